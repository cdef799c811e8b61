"""OpenAI's own API: the reference the standard parameters follow; unknown fields are rejected."""
from paramlab.backends.kind import Backend

BACKEND = Backend(
    "openai", "OpenAI",
    "OpenAI's API. Accepts exactly the documented parameters and rejects any other field with HTTP 400.",
    sampler_chain=("penalties", "temperature", "top_p"),
    prompt_tokens="estimate", tokenizer="tiktoken",
    defaults_note="OpenAI documents its defaults: temperature 1, top_p 1, penalties 0.",
    usage_quirks="Streaming usage only with stream_options.include_usage, in a final chunk with no choices.",
)
