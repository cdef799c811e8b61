"""The Parameter Guide's content, in English and Chinese.

Range and default come from paramlab.request.schema.PARAMS, never repeated here. Where popular
write-ups are wrong the text is exact: n counts independent choices; max_tokens bounds the
completion only (hitting it gives finish_reason "length"); the penalties subtract
presence × [count > 0] + frequency × count from a logit; temperature 0 is greedy; top_p keeps
the smallest set of tokens whose probability reaches p.
"""
from __future__ import annotations

from dataclasses import dataclass

from paramlab.lab import guide_today
from paramlab.request.schema import PARAMS, Param, _fmt

LANGS = ("en", "zh")
LANG_LABELS = {"en": "English", "zh": "中文"}
# Parameters the Distribution Lab reshapes with a control of its own.
LAB_CONTROLS = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logit_bias")

UI = {
    "en": {"what": "What it does", "range": "Range", "default": "Default", "interactions": "Interactions",
           "mistakes": "Common mistakes", "lab": "In the Distribution Lab", "open_lab": "Try it in the Lab",
           "unset": "unset — the server's own default applies", "unset_is": "unset: ", "any": "any", "not_sent": "not sent"},
    "zh": {"what": "作用", "range": "取值范围", "default": "默认值", "interactions": "与其他参数的关系",
           "mistakes": "常见误区", "lab": "在分布实验室中", "open_lab": "在实验室中试一试",
           "unset": "不设置 — 使用服务器自己的默认值", "unset_is": "不设置时：", "any": "任意", "not_sent": "不发送"},
}

# The schema's one-line summaries (English) and group names, in Chinese.
SHORT_ZH = {
    "temperature": "采样的随机程度：0 ≈ 贪心，越高越容易选到不太可能的词元。",
    "top_p": "核采样：只在累计概率达到 p 的最小词元集合中采样。",
    "n": "对同一个提示返回多少个相互独立的回答（不是长度）。",
    "max_tokens": "每个回答最多生成的词元数；达到上限时 finish_reason 为 'length'。",
    "max_completion_tokens": "max_tokens 的新名字；在推理模型上也计入推理词元。",
    "stop": "最多 4 个字符串；生成在其中任何一个之前停止，且不包含它。",
    "presence_penalty": "对已经出现过的每个词元的 logit 减去一个固定值。",
    "frequency_penalty": "按词元已出现的次数成比例地减小其 logit。",
    "logit_bias": "词元 id → 偏置（−100..100），加到该词元的 logit 上。",
    "seed": "整数种子，尽力使采样可复现。",
    "user": "你的终端用户标识，供服务商做滥用监控。",
    "response_format": "强制输出纯文本、任意 JSON 对象，或符合某个 schema 的 JSON。",
    "logprobs": "返回每个生成词元的对数概率。",
    "top_logprobs": "在 logprobs 开启时，同时返回每个位置最可能的 n 个候选（0–20）。",
    "stream": "以服务器推送事件（SSE）的方式逐词元接收回答。",
    "stream_options": "流式时，{'include_usage': true} 会在最后一个块中返回用量。",
}
# What the server does with a field left out (the schema's `unset`), in Chinese.
UNSET_ZH = {
    "max_tokens": "不限，只受上下文窗口限制",
    "max_completion_tokens": "不限，只受上下文窗口限制",
    "stop": "没有停止序列",
    "logit_bias": "没有偏置",
    "seed": "每次请求使用新的随机种子",
    "user": "无",
    "response_format": "纯文本",
    "logprobs": "false，不返回概率",
    "top_logprobs": "不返回候选",
    "reasoning_effort": "模型自己的默认值（多数推理模型为 medium，gpt-5.1 为 none）",
    "verbosity": "medium",
    "tools": "没有工具",
    "tool_choice": "有工具时为 auto，没有工具时为 none",
    "parallel_tool_calls": "true",
    "functions": "无",
    "function_call": "有 functions 时为 auto，否则为 none",
    "modalities": "只输出文本",
    "audio": "没有音频",
    "prediction": "无",
    "web_search_options": "搜索模型自己的默认值（中等搜索上下文）",
    "service_tier": "auto：按项目的设置，通常为 default",
    "store": "false，不保存",
    "metadata": "无",
    "prompt_cache_key": "无；缓存仍按提示的前缀匹配",
    "prompt_cache_retention": "保存在内存中，闲置 5–10 分钟后失效",
    "safety_identifier": "无",
    "stream": "false，一次返回完整回答",
    "stream_options": "不返回用量块；OpenAI 默认开启混淆填充",
}
GROUP_ZH = {"Sampling": "采样", "Length": "长度", "Penalties": "惩罚与偏置", "Other": "其他",
            "Log probabilities": "对数概率", "Transport": "传输"}

# Ranges of the parameters that are not a single number.
FORMS = {
    "en": {"bool": "true / false", "str": "any text", "stop": "a string or a list of up to 4 strings",
           "logit_bias": "{{token id: bias}}, bias from {lo} to {hi}",
           "response_format": "type: text | json_object | json_schema",
           "stream_options": '{"include_usage": true | false}', "from": "{lo} or more", "int_seed": "any integer"},
    "zh": {"bool": "true / false", "str": "任意文本", "stop": "一个字符串，或最多 4 个字符串的列表",
           "logit_bias": "{{词元 id: 偏置}}，偏置取 {lo} 到 {hi}",
           "response_format": "type：text | json_object | json_schema",
           "stream_options": '{"include_usage": true | false}', "from": "{lo} 或更大", "int_seed": "任意整数"},
}


@dataclass(frozen=True)
class Text:
    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Entry:
    name: str
    what: Text
    interactions: Text
    mistakes: Text
    lab: Text


def _e(name, what, interactions, mistakes, lab) -> Entry:
    return Entry(name, Text(*what), Text(*interactions), Text(*mistakes), Text(*lab))


ENTRIES: dict[str, Entry] = {e.name: e for e in [
    _e("temperature",
       ("Divides every logit by T before the softmax. T < 1 sharpens the distribution towards the most "
        "likely tokens, T > 1 flattens it towards unlikely ones, T = 1 samples the model's own distribution. "
        "Temperature 0 is greedy decoding: the single most likely token is taken every time.",
        "在 softmax 之前把每个 logit 除以 T。T < 1 让分布更集中于最可能的词元，T > 1 让分布更平坦、"
        "更容易选到不太可能的词元，T = 1 就是按模型自身的分布采样。温度 0 即贪心解码：每一步都取概率最高的那个词元。"),
       ("Works together with top_p; change one of them, not usually both. Backends differ in the order: "
        "OpenAI-style servers and vLLM apply top_p to the tempered distribution, llama.cpp applies "
        "temperature last, after top_p. At temperature 0 top_p has no effect. logit_bias and the penalties "
        "change the logits before temperature divides them.",
        "与 top_p 共同作用；通常只调其中一个。不同后端的顺序不同：OpenAI 风格的服务和 vLLM 在升温/降温后的分布上做 top_p，"
        "llama.cpp 则把温度放在最后、在 top_p 之后。温度为 0 时 top_p 不起作用。logit_bias 与惩罚项在温度相除之前修改 logit。"),
       ("“Temperature 0 is fully deterministic”: it is greedy, but ties, batching and hardware can still "
        "change a reply. “Higher temperature makes the model more creative”: it only makes unlikely tokens "
        "likelier, including wrong ones; above about 1.5 text usually falls apart.",
        "“温度 0 就完全确定”：它是贪心的，但并列概率、批处理和硬件差异仍可能改变输出。"
        "“温度越高越有创造力”：它只是让低概率词元（包括错误的）更容易被选中；超过约 1.5 时文本通常会变得混乱。"),
       ("Move the temperature slider: bars sharpen or flatten; at 0 only one bar stays coloured.",
        "拖动温度滑块：柱状图变尖或变平；为 0 时只剩一根柱子保持着色。")),
    _e("top_p",
       ("Nucleus sampling: tokens are sorted by probability and the smallest set whose cumulative "
        "probability reaches top_p is kept; the others can never be sampled, and the kept ones are "
        "renormalised. top_p 1 keeps everything; a very small top_p keeps only the most likely token.",
        "核采样：把词元按概率从高到低排序，保留累计概率达到 top_p 的最小集合；其余词元永远不会被采样，"
        "保留的词元重新归一化。top_p 为 1 时保留全部；top_p 很小时只保留最可能的那个词元。"),
       ("Change top_p or temperature, not usually both. Whether the nucleus is computed before or after "
        "temperature depends on the backend (see temperature). It acts after logit_bias and the penalties.",
        "通常只调 top_p 或温度之一。核是在应用温度之前还是之后计算，取决于后端（见 temperature）。它在 logit_bias 与惩罚项之后起作用。"),
       ("“top_p 0.9 keeps the top 90 % of tokens”: it keeps the fewest tokens that together hold 90 % of the "
        "probability — often just a handful. “top_p is the same as top_k”: the set size changes with the "
        "model's confidence at every position.",
        "“top_p 0.9 就是保留前 90% 的词元”：错，它保留的是合计概率达到 90% 的最少的词元——往往只有几个。"
        "“top_p 和 top_k 一样”：错，保留的数量随模型在每个位置的把握程度而变化。"),
       ("The nucleus is coloured; the tokens outside it are greyed and cannot be drawn.",
        "核内的词元着色显示；核外的词元变灰，不会被抽到。")),
    _e("n",
       ("The number of independent choices returned for the same prompt. Each choice is a complete reply "
        "sampled on its own. It is not a length.",
        "针对同一提示返回多少个相互独立的候选回复（choices）。每个候选都是单独采样的完整回复。它不是长度。"),
       ("Only useful with temperature > 0 (with greedy decoding all choices are the same). Completion "
        "tokens, and the cost, grow n-fold; max_tokens applies to each choice separately.",
        "只有在温度 > 0 时才有意义（贪心解码下所有候选都一样）。补全词元数和费用按 n 倍增长；max_tokens 对每个候选分别生效。"),
       ("“n is the number of tokens” or “n words”: no, use max_tokens for length. Some backends ignore n "
        "(Ollama) or need enough parallel slots (llama.cpp).",
        "“n 是词元数”或“n 个词”：错，长度请用 max_tokens。有些后端会忽略 n（Ollama），或需要足够的并行槽位（llama.cpp）。"),
       ("“Sample 100” draws 100 independent next tokens, like n = 100 choices one token long.",
        "“抽样 100 次”独立抽取 100 个下一个词元，相当于 n = 100、每个候选只有一个词元。")),
    _e("max_tokens",
       ("An upper bound on the tokens generated for each choice. It bounds the completion only, not the "
        "prompt; when it is reached the reply is cut off and finish_reason is \"length\".",
        "每个候选生成词元数的上限。它只限制补全部分，不包括提示；达到上限时回复被截断，finish_reason 为 \"length\"。"),
       ("Prompt plus completion must still fit the context window. Replaced by max_completion_tokens for "
        "newer OpenAI models; reasoning models reject max_tokens.",
        "提示加补全仍须放得进上下文窗口。较新的 OpenAI 模型改用 max_completion_tokens；推理模型会拒绝 max_tokens。"),
       ("“max_tokens is the context size” or “it makes the model write that much”: it is only a cap; "
        "the model may stop earlier. A reply cut at the cap is not finished — check finish_reason.",
        "“max_tokens 就是上下文长度”或“模型会写这么多”：错，它只是上限，模型可能更早停止。被上限截断的回复并没有写完——请查看 finish_reason。"),
       ("The Lab asks with max_tokens 1: one next token.",
        "实验室以 max_tokens 1 请求：只取下一个词元。")),
    _e("max_completion_tokens",
       ("The newer name for the completion bound. On reasoning models it also counts the hidden "
        "reasoning tokens, so the visible reply can be empty when the bound is low.",
        "补全上限的新名称。在推理模型上它还计入隐藏的推理词元，所以上限太低时可见回复可能为空。"),
       ("Send either max_tokens or max_completion_tokens. Reaching it gives finish_reason \"length\".",
        "max_tokens 与 max_completion_tokens 二选一。达到上限时 finish_reason 为 \"length\"。"),
       ("Setting it as low as the expected answer on a reasoning model: the reasoning uses it up first.",
        "在推理模型上把它设得和预期答案一样短：推理过程会先把额度用光。"),
       ("Not used by the Lab, which asks for one token.", "实验室不使用它，只请求一个词元。")),
    _e("stop",
       ("Generation ends when the model is about to produce one of these strings; the stop string "
        "itself is not included in the reply, and finish_reason is \"stop\".",
        "当模型即将生成其中某个字符串时停止生成；停止字符串本身不包含在回复中，finish_reason 为 \"stop\"。"),
       ("Matched on the generated text, not on tokens, so it works across token boundaries.",
        "在生成的文本上匹配，而不是在词元上，所以可以跨越词元边界。"),
       ("Expecting the stop text to appear in the output; using very common strings (\".\") that cut replies short.",
        "以为停止字符串会出现在输出里；使用很常见的字符串（如 \".\"）导致回复过早截断。"),
       ("Not used by the Lab.", "实验室不使用它。")),
    _e("presence_penalty",
       ("Subtracts presence_penalty × [count > 0] from the logit of every token that has already "
        "appeared (count = how often it occurred so far): a flat penalty, whether it occurred once or ten times.",
        "对已经出现过的每个词元，从其 logit 中减去 presence_penalty × [count > 0]（count 为目前出现的次数）："
        "无论出现一次还是十次，扣除的都是同一个固定值。"),
       ("Added to frequency_penalty: logit −= presence × [count > 0] + frequency × count. Applied before "
        "temperature. Acts on token ids, so “Paris” and “ Paris” are different tokens.",
        "与 frequency_penalty 相加：logit −= presence × [count > 0] + frequency × count。在温度之前应用。"
        "它作用于词元 id，所以 “Paris” 和 “ Paris” 是不同的词元。"),
       ("“It penalises repeated topics or words”: it penalises repeated token ids. “It multiplies the "
        "probability”: it subtracts from the logit. Negative values encourage repetition.",
        "“它惩罚重复的话题或单词”：它惩罚的是重复的词元 id。“它乘以概率”：错，它是从 logit 中减去。负值反而鼓励重复。"),
       ("Enter a token history; tokens in it lose presence_penalty once.",
        "输入词元历史；历史中出现过的词元只被扣一次 presence_penalty。")),
    _e("frequency_penalty",
       ("Subtracts frequency_penalty × count from a token's logit, count being how often that token has "
        "appeared so far: the more often, the larger the penalty.",
        "从词元的 logit 中减去 frequency_penalty × count，count 为该词元目前出现的次数：出现越多，惩罚越大。"),
       ("Added to presence_penalty: logit −= presence × [count > 0] + frequency × count. Large values with "
        "long replies push the model to odd word choices.",
        "与 presence_penalty 相加：logit −= presence × [count > 0] + frequency × count。数值大且回复长时，会迫使模型选用奇怪的词。"),
       ("Confusing it with presence_penalty (flat); setting both to 2 “to be safe”, which garbles text.",
        "把它与（固定扣除的）presence_penalty 混淆；为了“保险”把两者都设为 2，结果文本变得混乱。"),
       ("Repeat a token in the history to see the penalty grow with its count.",
        "在历史中重复某个词元，可以看到惩罚随次数增长。")),
    _e("logit_bias",
       ("Adds a bias to the logit of the given token ids. Keys are token ids of the model's own "
        "tokenizer, not words. −100 effectively bans a token, +100 effectively forces it; small values nudge.",
        "给指定词元 id 的 logit 加上偏置。键是模型自身分词器的词元 id，而不是单词。−100 实际上禁止该词元，"
        "+100 实际上强制选择它；较小的值只是轻推。"),
       ("Applied before temperature and top_p. A word can be several tokens and has different ids with and "
        "without a leading space or capital letter; biasing a piece such as “is” affects every word containing it.",
        "在温度和 top_p 之前应用。一个单词可能由多个词元组成，有无前导空格、大小写不同，id 也不同；"
        "给 “is” 这类片段加偏置会影响所有包含它的单词。"),
       ("Using words or another model's token ids as keys; forgetting the “ word” form; +100 on several "
        "tokens makes the reply repeat them.",
        "用单词或其他模型的词元 id 作为键；忘了带前导空格的 “ word” 形式；给多个词元 +100 会让回复不停重复它们。"),
       ("Type words in the logit_bias helper: ParamLab finds their ids with the endpoint's tokenizer.",
        "在 logit_bias 助手中输入单词：ParamLab 用该端点自己的分词器找出它们的 id。")),
    _e("seed",
       ("Asks for reproducible sampling: the same seed, prompt and parameters should give the same reply.",
        "请求可复现的采样：相同的种子、提示和参数应得到相同的回复。"),
       ("Best effort: compare system_fingerprint between runs; a backend change breaks reproducibility.",
        "尽力而为：请比较多次运行的 system_fingerprint；后端变化会破坏可复现性。"),
       ("Expecting a seed to make replies identical across models or providers.",
        "以为种子能让不同模型或不同服务商之间的回复完全一致。"),
       ("The Lab's own sampling uses a seed you choose, so a draw can be repeated.",
        "实验室自己的抽样使用你选定的种子，所以抽样结果可以重现。")),
    _e("user",
       ("An identifier for your end user, sent to the provider for abuse monitoring.",
        "终端用户的标识，发送给服务商用于滥用监测。"),
       ("Does not change the reply.", "不会改变回复。"),
       ("Putting personal data in it; a stable pseudonymous id is enough.",
        "在其中放入个人信息；一个稳定的匿名 id 就足够了。"),
       ("Not used by the Lab.", "实验室不使用它。")),
    _e("logprobs",
       ("Returns the log probability of each generated token.", "返回每个生成词元的对数概率。"),
       ("Needed for top_logprobs. Most servers report the model's probabilities before sampling, so they "
        "do not show the effect of temperature or top_p.",
        "top_logprobs 依赖它。大多数服务器报告的是采样之前的模型概率，因此看不出温度或 top_p 的效果。"),
       ("Reading a low logprob as “the answer is wrong”: it measures the model's confidence, not truth.",
        "把较低的 logprob 理解为“答案是错的”：它衡量的是模型的把握，而不是正确性。"),
       ("The Lab always asks with logprobs true; the heatmap colours tokens by probability.",
        "实验室总是以 logprobs true 请求；热力图按概率给词元着色。")),
    _e("top_logprobs",
       ("With logprobs, also returns the most likely alternative tokens at each position, with their log probabilities.",
        "在 logprobs 的基础上，还返回每个位置上最可能的若干候选词元及其对数概率。"),
       ("Requires logprobs true. The alternatives cover only part of the probability; the rest is not returned.",
        "需要 logprobs 为 true。这些候选只覆盖部分概率，其余部分不会返回。"),
       ("Sending it without logprobs true (rejected); treating the alternatives as the full distribution.",
        "不设 logprobs true 就发送它（会被拒绝）；把这些候选当成完整的分布。"),
       ("The Lab asks for 20 and renormalises over them.", "实验室请求 20 个候选并在其上重新归一化。")),
    _e("response_format",
       ("Constrains the output: plain text, any valid JSON object, or JSON matching a schema.",
        "约束输出格式：纯文本、任意合法 JSON 对象，或符合某个 schema 的 JSON。"),
       ("With json_object, also say “JSON” in the prompt. Constrained decoding masks tokens that would "
        "break the format, which reshapes the distribution like a logit_bias of −100.",
        "使用 json_object 时，还要在提示中说明要输出 JSON。约束解码会屏蔽会破坏格式的词元，效果类似对它们设 logit_bias −100。"),
       ("Expecting json_object to follow a schema; a reply cut by max_tokens is invalid JSON.",
        "以为 json_object 会遵循某个 schema；被 max_tokens 截断的回复是无效 JSON。"),
       ("Not used by the Lab.", "实验室不使用它。")),
    _e("stream",
       ("Sends the reply token by token as server-sent events instead of one JSON at the end.",
        "以服务器推送事件（SSE）的形式逐个词元地发送回复，而不是最后一次性返回 JSON。"),
       ("Does not change what is generated. Usage comes only with stream_options include_usage.",
        "不改变生成的内容。只有设置 stream_options include_usage 时才会返回用量。"),
       ("Expecting streaming to make generation faster: it only shows text sooner.",
        "以为流式会让生成更快：它只是让文字更早显示。"),
       ("Not used by the Lab.", "实验室不使用它。")),
    _e("stream_options",
       ("With stream, {\"include_usage\": true} adds a last chunk carrying the token usage.",
        "在流式模式下，{\"include_usage\": true} 会在最后追加一个携带词元用量的数据块。"),
       ("Only allowed with stream true. That last chunk has an empty choices list.",
        "只能在 stream 为 true 时使用。最后那个数据块的 choices 列表为空。"),
       ("Some proxies and Azure reject it; code that reads choices[0] from every chunk breaks on the usage chunk.",
        "一些代理和 Azure 会拒绝它；对每个数据块都读取 choices[0] 的代码会在用量块上出错。"),
       ("Not used by the Lab.", "实验室不使用它。")),
]}


SHORT_ZH.update(guide_today.SHORT_ZH)
GROUP_ZH.update(guide_today.GROUP_ZH)
for _lang, _forms in guide_today.FORMS.items():
    FORMS[_lang].update(_forms)
ENTRIES.update({n: _e(n, *t) for n, t in guide_today.TEXTS.items()})


def range_text(p: Param, lang: str) -> str:
    """The allowed values, from the schema."""
    f = FORMS["zh" if lang == "zh" else "en"]
    if p.kind == "choice":
        return " | ".join(p.choices)
    if p.kind == "str" and p.max_len:
        return f["str_max"].format(n=p.max_len)
    if p.kind in ("float", "int"):
        if p.name == "seed":
            return f["int_seed"]
        if p.min is not None and p.max is not None and p.max < 1_000_000:
            return f"{_fmt(p.min)} – {_fmt(p.max)}"
        return f["from"].format(lo=_fmt(p.min))
    if p.kind == "logit_bias":
        return f["logit_bias"].format(lo=_fmt(p.min), hi=_fmt(p.max))
    return f.get(p.kind, p.kind)


def default_text(p: Param, lang: str) -> str:
    ui = UI["zh" if lang == "zh" else "en"]
    if p.default is None:
        what = UNSET_ZH.get(p.name) if lang == "zh" else p.unset
        return f"{ui['unset_is']}{what}" if what else ui["unset"]  # each language its own colon
    if isinstance(p.default, bool):
        return str(p.default).lower()
    return _fmt(p.default) if isinstance(p.default, (int, float)) else str(p.default)


@dataclass(frozen=True)
class View:
    """One guide entry ready to show in one language."""
    name: str
    short: str
    what: str
    range: str
    default: str
    interactions: str
    mistakes: str
    lab: str
    group: str


def view(name: str, lang: str) -> View:
    p = PARAMS[name]
    # A parameter added to the schema before the guide knows it still gets its schema text.
    e = ENTRIES.get(name) or Entry(name, Text(p.long, p.long), Text("", ""), Text("", ""), Text("", ""))
    zh = lang == "zh"
    what = e.what.get(lang)
    if p.replaced_by:
        what = guide_today.DEPRECATED["zh" if zh else "en"].format(new=p.replaced_by) + " " + what
    return View(name, SHORT_ZH.get(name, p.short) if zh else p.short, what, range_text(p, lang),
                default_text(p, lang), e.interactions.get(lang), e.mistakes.get(lang), e.lab.get(lang),
                GROUP_ZH.get(p.group, p.group) if zh else p.group)


def views(lang: str) -> list[View]:
    """Every parameter of the schema, in schema order."""
    return [view(n, lang) for n in PARAMS]


def missing_entries() -> list[str]:
    return [n for n in PARAMS if n not in ENTRIES]
