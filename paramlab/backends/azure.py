"""Azure OpenAI: OpenAI's models behind Azure's deployments and API versions."""
from paramlab.backends.kind import Backend

BACKEND = Backend(
    "azure", "Azure OpenAI",
    "OpenAI models served by Azure. Same parameters as OpenAI; older API versions reject stream_options, "
    "and the first streamed chunk may carry only prompt_filter_results.",
    rejects={"stream_options": "older Azure API versions answer 400 to stream_options"},
    sampler_chain=("penalties", "temperature", "top_p"), tokenizer="tiktoken",
    defaults_note="Azure applies OpenAI's defaults: temperature 1, top_p 1.",
    usage_quirks="The first stream chunk may have empty choices and prompt_filter_results.",
)
