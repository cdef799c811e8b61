"""Any other OpenAI-compatible server: nothing assumed beyond the standard parameters."""
from paramlab.backends.kind import Backend

BACKEND = Backend(
    "other", "Other OpenAI-compatible",
    "An OpenAI-compatible server ParamLab does not recognise: only the standard parameters are offered. "
    "Use “What does this endpoint honour?” to learn what it really does.",
    sampler_chain=("penalties", "temperature", "top_p"),
    tokenizer="server",  # many self-hosted servers are llama.cpp underneath; /tokenize is tried
    defaults_note="Unknown: the API's documented defaults are shown.",
)
