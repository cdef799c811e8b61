"""vLLM's OpenAI-compatible server: extra sampling parameters at the top level of the body."""
from paramlab.backends.kind import Backend
from paramlab.backends.options import Option

EXTENSIONS = (
    Option("top_k", "int", -1, "Sample only from the k most likely tokens (−1 or 0: off).",
           "Keeps the k most likely tokens. vLLM applies it after temperature. −1 (or 0) turns it off.",
           "只从最可能的 k 个词元中采样（−1 或 0 表示关闭）。",
           "只保留概率最高的 k 个词元。vLLM 在温度之后应用它。−1（或 0）表示关闭。",
           min=-1, max=100_000, step=1, lab=True, off=-1),
    Option("min_p", "float", 0.0, "Drop tokens less likely than min_p × the top token's probability.",
           "A token survives only if its probability is at least min_p times that of the most likely token: "
           "the cut adapts to how confident the model is. 0 turns it off.",
           "去掉概率低于 min_p × 最高词元概率的词元。",
           "只有概率不低于“最可能词元概率 × min_p”的词元才会保留：截断随模型的把握程度自适应。0 表示关闭。",
           min=0.0, max=1.0, step=0.01, lab=True, off=0.0),
    Option("repetition_penalty", "float", 1.0, "Divides the logit of tokens already in prompt or output (1: off).",
           "Tokens present in the prompt or the generated text have positive logits divided and negative "
           "logits multiplied by this value. Above 1 discourages repetition; 1 turns it off.",
           "对提示或输出中已出现的词元的 logit 做除法惩罚（1 表示关闭）。",
           "在提示或已生成文本中出现过的词元，正 logit 除以该值、负 logit 乘以该值。大于 1 抑制重复，1 表示关闭。",
           min=0.01, max=2.0, step=0.01),
    Option("min_tokens", "int", 0, "Generate at least this many tokens before EOS or stop can end the reply.",
           "End-of-sequence and stop strings are suppressed until this many tokens exist.",
           "在此数量的词元生成之前，EOS 与停止序列不会结束回答。",
           "在生成这么多词元之前，结束符和停止序列都会被屏蔽。",
           min=0, max=1_000_000, step=1),
    Option("stop_token_ids", "int_list", None, "Token ids that end generation, like stop strings.",
           "Generation ends when one of these token ids is sampled (the token is not shown).",
           "遇到这些词元 id 时结束生成，类似停止字符串。",
           "采样到其中任何一个词元 id 时结束生成（该词元不显示）。"),
    Option("include_stop_str_in_output", "bool", False, "Keep the matched stop string in the reply.",
           "By default the stop string is cut off; true keeps it at the end of the reply.",
           "在回答中保留命中的停止字符串。", "默认会截掉停止字符串；设为 true 时会把它留在回答末尾。"),
    Option("ignore_eos", "bool", False, "Keep generating past the end-of-sequence token.",
           "The model's end-of-sequence token no longer ends the reply; only max_tokens or stop do. For "
           "benchmarks.", "生成到结束符也不停止。", "模型的结束符不再结束回答，只有 max_tokens 或 stop 会。用于基准测试。"),
    Option("bad_words", "str_list", None, "Words the model may never generate.",
           "Each word's token sequence is blocked at every position (both with and without a leading space).",
           "模型永远不能生成的词。", "在每个位置都会屏蔽这些词对应的词元序列（带与不带前导空格）。"),
)

BACKEND = Backend(
    "vllm", "vLLM",
    "vLLM's OpenAI-compatible server. It takes its extra sampling parameters at the top level of the body "
    "(extra_body in the openai SDK). Since 0.12 the old guided_* options are gone and silently ignored: "
    "use response_format.",
    extensions=EXTENSIONS,
    ignores={},
    sampler_chain=("penalties", "temperature", "min_p", "top_k", "top_p"),
    defaults_note=("vLLM applies the model's generation_config.json (its temperature, top_p, top_k, "
                   "repetition_penalty) to every parameter the request leaves out, unless the server was "
                   "started with --generation-config vllm; /v1/models does not report them."),
    usage_quirks="Usage per request; streaming usage with stream_options.include_usage.",
)
