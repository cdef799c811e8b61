"""LiteLLM proxy: forwards to many providers; what is honoured depends on the model behind it."""
from paramlab.backends.kind import Backend

BACKEND = Backend(
    "litellm", "LiteLLM proxy",
    "A LiteLLM proxy in front of other providers. It renames the model to its model group, forwards "
    "upstream headers as llm_provider-*, and may drop parameters the upstream provider does not support "
    "(drop_params), so only the standard parameters are offered here.",
    sampler_chain=("penalties", "temperature", "top_p"),
    defaults_note="The upstream provider's defaults apply; LiteLLM does not report them.",
    usage_quirks="Merges the per-choice usage of n > 1 streams; its usage chunk has an empty delta choice.",
)
