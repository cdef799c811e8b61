"""How a backend declares a request option of its own (an "extension sampler"): name, kind, range,
the server's default and an explanation in English and Chinese, and the check of a value.

Declared here, below `request`, so each backend module can list what it accepts; the request
schema validates and sends them through `paramlab.backends.registry`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# Value kinds: float | int | bool | str | int_list | str_list | choice_list
KINDS = ("float", "int", "bool", "str", "int_list", "str_list", "choice_list")
MAX_LIST = 256
MAX_TEXT = 64 * 1024


@dataclass(frozen=True)
class Option:
    name: str
    kind: str
    default: Any          # what the server does when the option is unset (None: nothing / off)
    short: str
    long: str
    short_zh: str
    long_zh: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()   # for choice_list: the allowed items
    lab: bool = False               # the Distribution Lab has a control for it
    off: Any = None                 # the value that turns a cut-off off (top_k 0 on llama.cpp, -1 on vLLM)

    def check(self, value: Any) -> str | None:
        """Why `value` is not acceptable (the caller names the field), or None."""
        if self.kind in ("float", "int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"must be a number, got {value!r}"
            if self.kind == "int" and not isinstance(value, int):
                return f"must be an integer, got {value!r}"
            if isinstance(value, float) and not math.isfinite(value):
                return f"must be a finite number, got {value!r}"
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                return f"must be between {fmt(self.min)} and {fmt(self.max)}, got {value!r}"
            return None
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if self.kind == "str":
            if not isinstance(value, str) or not value.strip():
                return "must be non-empty text"
            return None if len(value) <= MAX_TEXT else f"at most {MAX_TEXT // 1024} KiB of text"
        if not isinstance(value, list) or not value:
            return "must be a non-empty list"
        if len(value) > MAX_LIST:
            return f"at most {MAX_LIST} items, got {len(value)}"
        if self.kind == "int_list":
            bad = [v for v in value if isinstance(v, bool) or not isinstance(v, int) or v < 0]
            return f"items must be token ids (non-negative integers), got {bad[0]!r}" if bad else None
        if self.kind == "str_list":
            bad = [v for v in value if not isinstance(v, str) or not v]
            return f"items must be non-empty strings, got {bad[0]!r}" if bad else None
        if self.kind == "choice_list":
            bad = [v for v in value if v not in self.choices]
            if bad:
                return f"unknown item {bad[0]!r}; choose from {', '.join(self.choices)}"
            dup = next((v for i, v in enumerate(value) if v in value[:i]), None)
            return f"{dup!r} is listed twice" if dup is not None else None
        return f"has an unknown kind {self.kind!r}"

    def range_text(self, lang: str = "en") -> str:
        if self.kind in ("float", "int") and self.min is not None and self.max is not None:
            return f"{fmt(self.min)} – {fmt(self.max)}"
        zh = lang == "zh"
        return {"bool": "true / false", "str": "任意文本" if zh else "any text",
                "int_list": "词元 id 列表" if zh else "a list of token ids",
                "str_list": "字符串列表" if zh else "a list of strings",
                "choice_list": ("顺序列表：" if zh else "an ordered list of: ") + ", ".join(self.choices)
                }.get(self.kind, self.kind)


def fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))
