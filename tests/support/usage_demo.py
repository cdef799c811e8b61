"""A month of realistic priced usage in a ledger, for screenshots and manual checks of the Usage page:
every request goes through the pricing observer's arithmetic (pricing.apply) and Ledger.record, so
each row has its breakdown. Run: python tests/support/usage_demo.py DATA_DIR"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from paramlab.client.result import ChatResult, Choice, Usage  # noqa: E402
from paramlab.settings import Endpoint  # noqa: E402
from paramlab.usage import pricing  # noqa: E402
from paramlab.usage.ledger import Ledger  # noqa: E402

MODELS = {"gpt-4o": 0.35, "gpt-4o-mini": 0.35, "o4-mini": 0.15, "claude-sonnet-4.5": 0.1, "my-finetune": 0.05}


def seed(data_dir: Path, days: int = 30, per_day: int = 25, today_spend: bool = True) -> int:
    rng = random.Random(14)
    table = pricing.load_prices()
    led = Ledger.open(f"sqlite:///{data_dir / 'ledger.sqlite'}")
    ep = Endpoint(name="OpenAI", base_url="https://api.openai.com/v1", backend="openai")
    now = time.time()
    n = 0
    for d in range(days, -1, -1):
        for _ in range(per_day if d else (per_day // 2 if today_spend else 0)):
            ts = now - d * 86400 - rng.uniform(0, 86400 if d else 6 * 3600)
            model = rng.choices(list(MODELS), weights=list(MODELS.values()))[0]
            prompt, completion = rng.randint(200, 6000), rng.randint(20, 1200)
            cached = prompt // 2 if rng.random() < 0.4 else 0
            reasoning = completion * 2 // 3 if model == "o4-mini" else 0
            write = prompt // 3 if model.startswith("claude") and rng.random() < 0.3 else None
            tier = rng.choice([None, "default", "flex"]) if model == "o4-mini" else None
            r = ChatResult(choices=[Choice(0, "A reply about sampling parameters.", finish_reason="stop")],
                           usage=Usage(prompt, completion, prompt + completion, cached, reasoning,
                                       cache_write_tokens=write),
                           model=model, service_tier=tier,
                           request={"model": model, "temperature": 0.7,
                                    "messages": [{"role": "user", "content": "How does top_p change the reply?"}]})
            r.metrics.started_at, r.metrics.latency_s, r.metrics.ttft_s = ts, rng.uniform(0.4, 6), rng.uniform(0.1, 1)
            pricing.apply(table, ep, r)
            led.record(ep, r, {"page": rng.choice(["playground", "compare", "sweep"]), "session_id": f"s{d}",
                               "label": rng.choice(["prompt-tuning", "temperature-study", ""])})
            n += 1
    led.close()
    return n


if __name__ == "__main__":
    print(seed(Path(sys.argv[1])), "requests recorded")
