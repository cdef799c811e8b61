"""LM Studio's local server (llama.cpp or MLX underneath)."""
from paramlab.backends.kind import Backend
from paramlab.backends.options import Option

BACKEND = Backend(
    "lmstudio", "LM Studio",
    "LM Studio's OpenAI-compatible local server. Besides the standard parameters its documentation lists "
    "top_k and repeat_penalty.",
    extensions=(
        Option("top_k", "int", None, "Sample only from the k most likely tokens (0: off).",
               "Keeps the k most likely tokens and drops the rest before sampling. 0 turns it off.",
               "只从最可能的 k 个词元中采样（0 表示关闭）。",
               "只保留概率最高的 k 个词元，其余的在采样前被去掉。0 表示关闭。",
               min=0, max=1000, step=1, lab=True, off=0),
        Option("repeat_penalty", "float", None, "Divides the logit of recently used tokens (1: off).",
               "Tokens among the last tokens have their positive logits divided (negative ones multiplied) "
               "by this factor. 1 turns it off; 1.1 is a common setting.",
               "对最近出现过的词元的 logit 做除法惩罚（1 表示关闭）。",
               "最近出现过的词元，其正 logit 除以该系数（负 logit 乘以该系数）。1 表示关闭，常用 1.1。",
               min=0.0, max=3.0, step=0.05),
    ),
    sampler_chain=("penalties", "top_k", "top_p", "min_p", "temperature"),
    defaults_note="LM Studio applies the per-model defaults set in its app; its API does not report them.",
    local=True,
)
