"""The Distribution Lab's own words in English and Chinese, so a link from the Chinese Guide
lands on a Chinese page (parameter names, token text and numbers stay as they are)."""
from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "🔬 Distribution Lab", "zh": "🔬 分布实验室 · Distribution Lab"},
    "language": {"en": "Language / 语言", "zh": "Language / 语言"},
    "approximation": {
        "en": "**How this works.** ParamLab asks the model once for its next token with `logprobs: true, "
              "top_logprobs: 20` (temperature 1, top_p 1, so the numbers are the model's own probabilities); "
              "a llama.cpp server is asked for `n_probs: 1000` instead, so the 980 tokens after the 20 "
              "candidates are known too. The sliders then reshape the distribution in ParamLab — bias and "
              "penalties on the logits, then the sampler chain in the server's order — on the model's **real** "
              "probabilities: the rest of the vocabulary keeps its share, modelled as a bell curve of "
              "log-probabilities that holds exactly what the listed tokens leave. On the embedded engine the "
              "result matches llama.cpp's own post-sampling probabilities within 0.01 (**Check against the "
              "engine**); with only 20 candidates, a temperature far above 1 is an estimate.",
        "zh": "**原理。** ParamLab 用 `logprobs: true, top_logprobs: 20`（temperature 1、top_p 1，因此得到的是模型"
              "自身的概率）向模型请求一次下一个词元；对 llama.cpp 服务器则改用 `n_probs: 1000`，这样 20 个候选之后的 "
              "980 个词元也是已知的。随后滑块在 ParamLab 中重塑这个分布——先对 logits 施加偏置与惩罚，再按服务器的"
              "顺序运行采样链——所用的是模型的 **真实** 概率：词表其余部分保留其份额，以对数概率的钟形分布建模，"
              "恰好容纳已列出词元之外的概率。在内置引擎上，结果与 llama.cpp 自己的采样后概率相差不超过 0.01"
              "（**Check against the engine**）；只有 20 个候选时，远高于 1 的温度只是估计。"},
    "system": {"en": "System prompt", "zh": "系统提示词"},
    "system_help": {"en": "Sent first with role 'system'; leave empty to send none.",
                    "zh": "以 system 角色最先发送；留空则不发送。"},
    "user": {"en": "User message", "zh": "用户消息"},
    "prefix": {"en": "Assistant reply so far (optional)", "zh": "已有的助手回复（可选）"},
    "prefix_help": {"en": "Sent as a trailing assistant message: the model continues it, so the distribution "
                          "is for the token after this text (llama.cpp servers do this).",
                    "zh": "作为末尾的 assistant 消息发送：模型会接着写，因此分布是这段文字之后的下一个词元"
                          "（llama.cpp 服务器支持）。"},
    "fetch": {"en": "Get next-token distribution", "zh": "获取下一个词元的分布"},
    "fetch_help": {"en": "One request: max_tokens 1, logprobs, top_logprobs 20, temperature 1, top_p 1 "
                         "(llama.cpp: n_probs 1000 instead of logprobs and top_logprobs).",
                   "zh": "一次请求：max_tokens 1、logprobs、top_logprobs 20、temperature 1、top_p 1"
                         "（llama.cpp：用 n_probs 1000 代替 logprobs 与 top_logprobs）。"},
    "press_fetch": {"en": "Press **Get next-token distribution** to ask the model.",
                    "zh": "点击 **获取下一个词元的分布** 向模型提问。"},
    "sample": {"en": "Sample", "zh": "抽样"},
    "sample_n": {"en": "Sample {n}", "zh": "抽样 {n} 次"},
    "sample_again": {"en": "Sample again (next seed)", "zh": "再抽一次（下一个种子）"},
    "seed": {"en": "Seed", "zh": "种子"},
    "step_mode": {"en": "Step mode", "zh": "逐步生成"},
    "step_caption": {
        "en": "Each step asks the model for its next-token distribution after the text so far (sent as an "
              "assistant prefix, which llama.cpp continues), reshapes it with the settings above — the tokens "
              "generated so far count for the penalties — and draws one token with the Lab's seed.",
        "zh": "每一步都向模型请求当前文本之后的下一个词元分布（作为 assistant 前缀发送，llama.cpp 会接着写），"
              "用上面的设置重新塑形——已生成的词元计入惩罚——再用实验室的种子抽取一个词元。"},
    "next1": {"en": "Next token", "zh": "下一个词元"},
    "next5": {"en": "Next 5 tokens", "zh": "再生成 5 个词元"},
    "reset_steps": {"en": "Reset steps", "zh": "重置步骤"},
    "send_real": {"en": "Send a real request with these settings", "zh": "用这些设置发送真实请求"},
    "send": {"en": "Send with these settings", "zh": "用这些设置发送"},
    "send_help": {"en": "A real request with the Lab's temperature, top_p, top_k, min_p, typical_p (where the "
                        "backend accepts them), penalties, logit_bias and seed. The server counts penalties over its "
                        "own tokens, not the Lab's history.",
                  "zh": "使用实验室的 temperature、top_p、top_k、min_p、typical_p（后端支持时）、惩罚、logit_bias 和种子发送真实请求。服务器按它自己生成的"
                        "词元计算惩罚，而不是实验室的历史。"},
    "focus": {"en": "Parameter in focus", "zh": "当前参数"},
    "focus_help": {"en": "The Guide's “Try it in the Lab” links choose this for you.",
                   "zh": "参数指南中的“在实验室中试试”链接会替你选好。"},
    "in_lab": {"en": "In the Lab", "zh": "在实验室中"},
    "order": {"en": "Sampler order", "zh": "采样器顺序"},
    "others": {"en": "Other samplers and their order", "zh": "其他采样器及其顺序"},
    "others_neutral": {"en": "none reshapes", "zh": "均未生效"},
    "history": {"en": "Token history for the penalties", "zh": "用于惩罚的词元历史"},
    "bias_text": {"en": "logit_bias (one `token_id: bias` per line)", "zh": "logit_bias（每行一个 `token_id: bias`）"},
    "candidate": {"en": "Candidate", "zh": "候选词元"},
    "bias": {"en": "bias", "zh": "偏置"},
    "set": {"en": "Set", "zh": "设置"},
}


def text(key: str, lang: str, **fmt: object) -> str:
    entry = TEXT[key]
    s = entry.get(lang) or entry["en"]
    return s.format(**fmt) if fmt else s
