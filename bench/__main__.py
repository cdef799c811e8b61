"""`make bench`: run every bench/bench_*.py module's main() and print its figures as ratios."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    only = set(sys.argv[1:])
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    failed = 0
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        mod = importlib.import_module(f"bench.{name}")
        try:
            mod.main()
        except Exception as e:  # noqa: BLE001 - one broken benchmark must not hide the others
            failed += 1
            print(f"   FAILED: {type(e).__name__}: {e}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
