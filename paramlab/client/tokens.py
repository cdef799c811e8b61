"""Token counts when the server gives none: a labelled estimate, never passed off as exact.

tiktoken cannot download its encodings here, and most local models use other tokenizers,
so the estimate is the usual ~4 characters per token for English text. Exact counts come
from the server's usage or a llama.cpp server's /tokenize.
"""
from __future__ import annotations

import math

CHARS_PER_TOKEN = 4.0
PER_MESSAGE_OVERHEAD = 4  # role markers and separators added by chat templates


def estimate_tokens(text: str) -> int:
    if not text:
        return 0
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def estimate_messages_tokens(messages: list[dict]) -> int:
    return sum(estimate_tokens(str(m.get("content") or "")) + PER_MESSAGE_OVERHEAD for m in messages) + 2
