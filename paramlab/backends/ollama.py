"""Ollama's OpenAI-compatible endpoint (/v1): honours a subset and silently drops the rest."""
from paramlab.backends.kind import Backend

DROPPED = {
    "n": "Ollama ignores n; ParamLab sends n separate requests with n=1 instead.",
    "logit_bias": "Ollama's OpenAI endpoint silently ignores logit_bias.",
    "user": "Ollama ignores user.",
    "max_completion_tokens": "Ollama does not support max_completion_tokens; use max_tokens.",
    "tool_choice": "Ollama ignores tool_choice.",
}

BACKEND = Backend(
    "ollama", "Ollama",
    "Ollama's OpenAI-compatible endpoint. It honours temperature, top_p, the penalties, seed, stop, "
    "max_tokens, response_format, tools and stream_options.",
    ignores=DROPPED,
    drops_note=("Ollama's OpenAI endpoint has no extra samplers: it silently drops n, logit_bias, user, "
                "tool_choice, max_completion_tokens, top_k and min_p (the native /api/chat options are "
                "not reachable through /v1), and applies temperature 1.0 and top_p 1.0 when they are "
                "not sent, whatever the model's Modelfile says."),
    splits_n=True, n_note="Ollama ignores n: ParamLab will send {n} requests with n=1 instead.",
    n_limit="1 (n is ignored)",
    sampler_chain=("penalties", "top_k", "temperature", "top_p", "min_p"),
    static_defaults={"temperature": 1.0, "top_p": 1.0},
    defaults_note="Ollama's OpenAI endpoint forces temperature 1.0 and top_p 1.0 when they are omitted.",
    local=True,
)
