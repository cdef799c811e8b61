"""How much of the model's context window a conversation uses.

llama.cpp servers (and the embedded engine) can render the chat template (/apply-template) and
tokenize the result (/tokenize): that count is exact. Other backends get a labelled estimate.
"""
from __future__ import annotations

from dataclasses import dataclass

from paramlab.settings import Endpoint
from paramlab.backends.llamacpp import count_prompt_tokens
from paramlab.errors import ChatError
from paramlab.backends import registry
from paramlab.client.tokens import estimate_messages_tokens
from paramlab.request.messages import text_of

# Published context windows of common models (tokens), matched by prefix; longest prefix wins.
KNOWN_WINDOWS = {
    "gpt-4o": 128_000, "gpt-4o-mini": 128_000, "gpt-4.1": 1_047_576, "gpt-4-turbo": 128_000,
    "gpt-4": 8_192, "gpt-3.5-turbo": 16_385, "o1": 200_000, "o3": 200_000, "o4-mini": 200_000,
    "gpt-5": 400_000, "llama3.1": 131_072, "llama3.2": 131_072, "llama3": 8_192, "mistral": 32_768,
    "qwen2.5": 32_768,
}
WARN_AT = 0.9  # warn when the prompt plus the reply budget passes 90 % of the window


@dataclass
class ContextCount:
    prompt_tokens: int
    window: int | None
    exact: bool
    source: str  # how it was counted, shown to the user
    reply_budget: int | None = None  # max tokens the reply may take (per choice)

    @property
    def total(self) -> int:
        return self.prompt_tokens + (self.reply_budget or 0)

    @property
    def fraction(self) -> float | None:
        return None if not self.window else self.prompt_tokens / self.window

    def warning(self) -> str | None:
        if not self.window:
            return None
        if self.prompt_tokens >= self.window:
            return (f"The conversation ({self.prompt_tokens:,} tokens) already exceeds the context window "
                    f"({self.window:,}): the server will reject or truncate it. Delete or shorten turns.")
        if self.reply_budget and self.total > self.window:
            return (f"Prompt {self.prompt_tokens:,} + max tokens {self.reply_budget:,} = {self.total:,} exceeds "
                    f"the window ({self.window:,}): the reply will be cut short (finish_reason 'length').")
        if self.total > WARN_AT * self.window:
            return f"Close to the context window: {self.total:,} of {self.window:,} tokens."
        return None


def window_for(endpoint: Endpoint | None, model: str | None) -> int | None:
    if endpoint is not None and endpoint.context_window:
        return endpoint.context_window
    m = (model or "").lower()
    best = max((p for p in KNOWN_WINDOWS if m.startswith(p)), key=len, default=None)
    return KNOWN_WINDOWS[best] if best else None


def exact_prompt_tokens(endpoint: Endpoint, messages: list[dict], timeout: float = 5.0) -> int:
    """Render the chat template on the server, then tokenize: the prompt exactly as the model sees it.
    Both calls go through the transport, so they carry the key (to its own host only)."""
    return count_prompt_tokens(endpoint, messages, timeout=timeout)


def count(messages: list[dict], endpoint: Endpoint | None, model: str | None,
          reply_budget: int | None = None) -> ContextCount:
    window = window_for(endpoint, model)
    # the text of every turn (image parts and tool calls are not counted by this estimate)
    msgs = [{"role": m["role"], "content": text_of(m)} for m in messages]
    if endpoint is not None and registry.for_endpoint(endpoint).prompt_tokens == "server" and msgs:
        try:
            n = exact_prompt_tokens(endpoint, msgs)
            return ContextCount(n, window, True, "exact, from the server's tokenizer", reply_budget)
        except (KeyError, ValueError, TypeError, ChatError):
            pass  # fall back to the estimate below, labelled as such
    return ContextCount(estimate_messages_tokens(msgs), window, False,
                        "estimate (~4 characters per token)", reply_budget)
