"""llama.cpp's server (llama-server, and the embedded engine): what it accepts beyond the standard
parameters, its sampler chain and defaults, and its own HTTP API beside /v1 (/tokenize,
/apply-template, /props) and /v1/models, all through the one transport (paramlab.transport):
each call raises ChatError subclasses only."""
from __future__ import annotations

from typing import Any, Mapping

from paramlab.backends.kind import Backend
from paramlab.backends.options import Option
from paramlab.errors import InvalidResponseError
from paramlab.settings import Endpoint
from paramlab.transport import Transport

# llama.cpp's default sampler chain, as /props reports it.
CHAIN = ("penalties", "dry", "top_n_sigma", "top_k", "typ_p", "top_p", "min_p", "xtc", "temperature")

EXTENSIONS = (
    Option("top_k", "int", 40, "Sample only from the k most likely tokens (0: off).",
           "Keeps the k most likely tokens and drops the rest before the next samplers. 0 turns it off. "
           "llama.cpp applies 40 unless told otherwise.",
           "只从最可能的 k 个词元中采样（0 表示关闭）。",
           "只保留概率最高的 k 个词元，其余的在后续采样器之前被去掉。0 表示关闭。llama.cpp 默认使用 40。",
           min=0, max=1000, step=1, lab=True, off=0),
    Option("min_p", "float", 0.05, "Drop tokens less likely than min_p × the top token's probability.",
           "A token survives only if its probability is at least min_p times that of the most likely token, "
           "so the cut adapts to the model's confidence. llama.cpp applies 0.05 by default; 0 turns it off.",
           "去掉概率低于 min_p × 最高词元概率的词元。",
           "只有概率不低于“最可能词元概率 × min_p”的词元才会保留，截断随模型的把握程度自适应。llama.cpp 默认 0.05；0 表示关闭。",
           min=0.0, max=1.0, step=0.01, lab=True, off=0.0),
    Option("typical_p", "float", 1.0, "Locally typical sampling: keep tokens whose surprise is close to the average.",
           "Tokens are ranked by how far their information (−log p) is from the distribution's entropy and "
           "kept until their probability reaches typical_p. 1 turns it off.",
           "局部典型采样：保留“意外程度”接近平均值的词元。",
           "按词元的信息量（−log p）与分布熵的距离排序，保留到累计概率达到 typical_p 为止。1 表示关闭。",
           min=0.0, max=1.0, step=0.01, lab=True, off=1.0),
    Option("top_n_sigma", "float", -1.0, "Keep tokens whose logit is within n standard deviations of the top one (−1: off).",
           "Drops every token whose logit is more than n standard deviations below the largest logit. −1 turns it off.",
           "保留 logit 与最大值相差不超过 n 个标准差的词元（−1 表示关闭）。",
           "logit 比最大 logit 低 n 个标准差以上的词元都会被去掉。−1 表示关闭。",
           min=-1.0, max=10.0, step=0.1),
    Option("repeat_penalty", "float", 1.0, "Divides the logit of recently used tokens (1: off).",
           "Tokens among the last repeat_last_n tokens have positive logits divided (negative ones multiplied) "
           "by this factor. 1 turns it off; 1.1 is common.",
           "对最近出现过的词元的 logit 做除法惩罚（1 表示关闭）。",
           "在最近 repeat_last_n 个词元中出现过的词元，正 logit 除以该系数（负 logit 乘以该系数）。1 表示关闭，常用 1.1。",
           min=0.0, max=3.0, step=0.05),
    Option("repeat_last_n", "int", 64, "How many recent tokens the repetition penalties look at (−1: the whole context).",
           "The window of tokens repeat_penalty, presence_penalty and frequency_penalty count over. 0 turns them off, "
           "−1 uses the whole context.",
           "重复惩罚考虑的最近词元数（−1 表示整个上下文）。",
           "repeat_penalty、presence_penalty 与 frequency_penalty 统计的词元窗口。0 表示关闭，−1 表示整个上下文。",
           min=-1, max=131_072, step=1),
    Option("dry_multiplier", "float", 0.0, "DRY: penalise tokens that would extend a repeated sequence (0: off).",
           "“Don't Repeat Yourself”: a token that would continue a sequence already seen gets a penalty "
           "multiplier × base^(length − allowed_length). 0 turns DRY off; 0.8 is a common setting.",
           "DRY：惩罚会延长已出现序列的词元（0 表示关闭）。",
           "“不要重复自己”：会让已出现过的序列继续下去的词元受到 multiplier × base^(长度 − allowed_length) 的惩罚。0 表示关闭，常用 0.8。",
           min=0.0, max=5.0, step=0.05),
    Option("dry_base", "float", 1.75, "DRY: how fast the penalty grows with the repeated length.",
           "The base of DRY's exponential penalty; larger values punish long repeats much harder.",
           "DRY：惩罚随重复长度增长的速度。", "DRY 指数惩罚的底数；越大，对长重复的惩罚越重。",
           min=1.0, max=4.0, step=0.05),
    Option("dry_allowed_length", "int", 2, "DRY: repeats up to this length are not penalised.",
           "Sequences shorter than or equal to this length may repeat freely.",
           "DRY：不超过此长度的重复不受惩罚。", "长度不超过该值的序列可以自由重复。",
           min=0, max=100, step=1),
    Option("dry_penalty_last_n", "int", -1, "DRY: how many recent tokens it scans (−1: the whole context).",
           "The window DRY searches for repeats. 0 turns it off, −1 uses the whole context.",
           "DRY：扫描的最近词元数（−1 表示整个上下文）。", "DRY 查找重复的窗口。0 表示关闭，−1 表示整个上下文。",
           min=-1, max=131_072, step=1),
    Option("xtc_probability", "float", 0.0, "XTC: chance per token of removing the top choices (0: off).",
           "“Exclude Top Choices”: with this probability, every token above xtc_threshold except the least "
           "likely of them is removed, pushing the text away from the most predictable words.",
           "XTC：每个词元以此概率去掉最热门的候选（0 表示关闭）。",
           "“排除首选”：以该概率去掉所有高于 xtc_threshold 的词元（保留其中最不可能的一个），让文本避开最可预测的词。",
           min=0.0, max=1.0, step=0.01),
    Option("xtc_threshold", "float", 0.1, "XTC: tokens above this probability count as top choices.",
           "Above 0.5 XTC has no effect (at most one token can exceed it).",
           "XTC：概率高于此值的词元算作首选。", "超过 0.5 时 XTC 不起作用（最多只有一个词元能超过它）。",
           min=0.0, max=0.5, step=0.01),
    Option("mirostat", "int", 0, "Mirostat: 0 off, 1 Mirostat, 2 Mirostat 2.0 (replaces top_k, top_p, min_p).",
           "Adapts the cut-off token by token to keep the text's surprise near mirostat_tau. When on, "
           "llama.cpp ignores top_k, top_p, typical_p and min_p.",
           "Mirostat：0 关闭，1 为 Mirostat，2 为 Mirostat 2.0（取代 top_k、top_p、min_p）。",
           "逐词元调整截断，使文本的“意外程度”保持在 mirostat_tau 附近。开启后 llama.cpp 会忽略 top_k、top_p、typical_p 和 min_p。",
           min=0, max=2, step=1),
    Option("mirostat_tau", "float", 5.0, "Mirostat: the target surprise (entropy); lower is more focused.",
           "The target cross-entropy in bits; lower values give more focused, less varied text.",
           "Mirostat：目标“意外程度”（熵）；越低越集中。", "以比特为单位的目标交叉熵；越低文本越集中、越少变化。",
           min=0.0, max=10.0, step=0.1),
    Option("mirostat_eta", "float", 0.1, "Mirostat: how fast it adapts.",
           "The learning rate of Mirostat's feedback loop.",
           "Mirostat：调整的速度。", "Mirostat 反馈回路的学习率。",
           min=0.0, max=1.0, step=0.01),
    Option("samplers", "choice_list", list(CHAIN), "The order of llama.cpp's sampler chain.",
           "Which samplers run, in which order. The default runs penalties, dry, top_n_sigma, top_k, typ_p, "
           "top_p, min_p, xtc and temperature last, so temperature reshapes only the tokens the cut-offs kept.",
           "llama.cpp 采样链的顺序。",
           "运行哪些采样器以及顺序。默认依次为 penalties、dry、top_n_sigma、top_k、typ_p、top_p、min_p、xtc，"
           "温度最后，因此温度只重塑截断后留下的词元。",
           choices=CHAIN),
    Option("n_probs", "int", 0, "Return the n most likely tokens with their probabilities at each position.",
           "llama.cpp's own form of top_logprobs, reported as probabilities; with post_sampling_probs they are "
           "the probabilities after the sampler chain.",
           "在每个位置返回最可能的 n 个词元及其概率。",
           "llama.cpp 自己的 top_logprobs，以概率给出；配合 post_sampling_probs 时为经过采样链之后的概率。",
           min=0, max=1000, step=1),
    Option("post_sampling_probs", "bool", False, "Report probabilities after the samplers, not the model's raw ones.",
           "With n_probs or logprobs, the reported probabilities are those the final draw used: after top_k, "
           "top_p, min_p, temperature and the rest of the chain.",
           "报告采样器之后的概率，而不是模型的原始概率。",
           "配合 n_probs 或 logprobs 时，报告的是最终抽样使用的概率：经过 top_k、top_p、min_p、温度等整个采样链之后。"),
    Option("ignore_eos", "bool", False, "Keep generating past the end-of-sequence token.",
           "The end-of-sequence token no longer ends the reply; only max_tokens or stop do.",
           "生成到结束符也不停止。", "结束符不再结束回答，只有 max_tokens 或 stop 会。"),
    Option("cache_prompt", "bool", True, "Reuse the KV cache of a previous request with the same prefix.",
           "Speeds up conversations; results may differ very slightly because batch sizes differ.",
           "复用相同前缀的上一次请求的 KV 缓存。", "加快多轮对话；由于批大小不同，结果可能有极细微的差异。"),
    Option("grammar", "str", None, "A GBNF grammar the reply must follow.",
           "Constrains every token to the grammar (llama.cpp's GBNF format), e.g. root ::= \"yes\" | \"no\".",
           "回答必须遵守的 GBNF 语法。", "把每个词元都限制在该语法之内（llama.cpp 的 GBNF 格式），例如 root ::= \"yes\" | \"no\"。"),
)

# OpenAI-only fields llama-server accepts and drops without a word (checked on the embedded engine).
IGNORES = {name: f"llama.cpp ignores {name} (accepted, no effect)" for name in (
    "verbosity", "service_tier", "store", "metadata", "prompt_cache_key", "prompt_cache_retention", "safety_identifier", "prediction",
    "web_search_options", "modalities", "audio")}
IGNORES["reasoning_effort"] = ("llama.cpp ignores reasoning_effort unless the model's chat template "
                               "supports it (its own reasoning budget applies)")

_COMMON = dict(
    extensions=EXTENSIONS,
    ignores=IGNORES,
    n_note="llama.cpp returns n choices only with n_parallel ≥ n; ParamLab fills any missing ones with extra requests.",
    n_limit="the server's parallel slots (n_parallel, /props total_slots)",
    usage_quirks="With n > 1 and no streaming it reports the completion tokens of choice 0 only; "
                 "ParamLab recounts every choice with /tokenize.",
    recount_n_usage=True,
    sampler_chain=CHAIN,
    prompt_tokens="server", tokenizer="server",
    defaults_from_props=True,
    documented_defaults={"temperature": 0.8, "top_p": 0.95, "presence_penalty": 0.0, "frequency_penalty": 0.0},
    defaults_note="llama.cpp reports the defaults it applies in /props (default_generation_settings): "
                  "temperature 0.8, top_k 40, top_p 0.95, min_p 0.05 unless the server was started otherwise.",
    local=True,
    lab_note="llama.cpp runs top_k, typical_p, top_p and min_p before temperature, on the model's own "
             "probabilities; temperature comes last.",
)

BACKEND = Backend("llamacpp", "llama.cpp", "llama.cpp's llama-server: every sampler of its chain can be set "
                  "per request, and /props reports the defaults it applies.", **_COMMON)
EMBEDDED = Backend("embedded", "llama.cpp (embedded engine)", "The embedded demo model, served by llama.cpp on "
                   "this machine: every sampler of llama.cpp's chain can be set per request.",
                   **{**_COMMON, "ignores": {**IGNORES, **{n: "SmolLM2's chat template has no tool support: llama.cpp "
                                                            "drops the tools silently and the model answers in text"
                                                         for n in ("tools", "tool_choice", "parallel_tool_calls")}}})

def defaults_from_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """The sampling defaults a llama.cpp server applies, from its /props answer (floats rounded,
    since the server reports float32 values such as 0.800000011920929)."""
    gen = props.get("default_generation_settings") if isinstance(props, Mapping) else None
    params = gen.get("params", gen) if isinstance(gen, Mapping) else None
    if not isinstance(params, Mapping):
        return {}
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, float):
            value = round(value, 6)
        out[name] = value
    return out


def slots_from_props(props: Mapping[str, Any] | None) -> int | None:
    """How many requests (so choices of n) the server decodes at once: /props total_slots."""
    n = (props or {}).get("total_slots")
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else None


def _transport(endpoint: Endpoint, transport: Transport | None) -> Transport:
    return transport if transport is not None else Transport(endpoint)


def tokenize(endpoint: Endpoint, text: str, timeout: float = 10.0,
             transport: Transport | None = None) -> list[tuple[int, str]]:
    """Token ids and pieces from the server's /tokenize."""
    body = _transport(endpoint, transport).post_json("/tokenize", {"content": text, "with_pieces": True},
                                                    root=True, timeout=timeout)
    tokens = body.get("tokens") if isinstance(body, dict) else None
    if not isinstance(tokens, list):
        raise InvalidResponseError("/tokenize answered without a token list: not a llama.cpp server?")
    out = []
    for t in tokens:
        if isinstance(t, dict):
            piece = t.get("piece")
            out.append((int(t["id"]), piece if isinstance(piece, str) else bytes(piece or []).decode("utf-8", "replace")))
        else:
            out.append((int(t), ""))
    return out


def apply_template(endpoint: Endpoint, messages: list[dict], timeout: float = 10.0,
                   transport: Transport | None = None) -> str:
    """The prompt text the server's chat template makes of `messages`."""
    body = _transport(endpoint, transport).post_json("/apply-template", {"messages": messages},
                                                    root=True, timeout=timeout)
    if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
        raise InvalidResponseError("/apply-template answered without a prompt: not a llama.cpp server?")
    return body["prompt"]


def count_tokens(endpoint: Endpoint, text: str, timeout: float = 10.0, transport: Transport | None = None) -> int:
    """How many tokens the server's tokenizer makes of `text` (0 for none, without asking)."""
    return len(tokenize(endpoint, text, timeout=timeout, transport=transport)) if text else 0


def count_prompt_tokens(endpoint: Endpoint, messages: list[dict], timeout: float = 10.0,
                        transport: Transport | None = None) -> int:
    """The prompt exactly as the model sees it: the server's chat template, then its tokenizer."""
    prompt = apply_template(endpoint, messages, timeout=timeout, transport=transport)
    return count_tokens(endpoint, prompt, timeout=timeout, transport=transport)


def props(endpoint: Endpoint, timeout: float = 10.0, transport: Transport | None = None) -> dict[str, Any]:
    """The server's /props: default_generation_settings (its sampling defaults), n_ctx, model path…"""
    body = _transport(endpoint, transport).get_json("/props", root=True, timeout=timeout)
    if not isinstance(body, dict):
        raise InvalidResponseError("/props did not answer with a JSON object: not a llama.cpp server?")
    return body


def models(endpoint: Endpoint, timeout: float = 10.0, transport: Transport | None = None) -> list[dict[str, Any]]:
    """The entries of /models under the base URL ({"data": [{"id": ...}, ...]}; Ollama's and
    llama.cpp's `models` list are accepted too)."""
    body = _transport(endpoint, transport).get_json("/models", timeout=timeout)
    items = None
    if isinstance(body, dict):
        items = body.get("data") if isinstance(body.get("data"), list) else body.get("models")
    elif isinstance(body, list):
        items = body
    if not isinstance(items, list):
        raise InvalidResponseError("/models did not answer with a list of models")
    return [m if isinstance(m, dict) else {"id": str(m)} for m in items]


def model_ids(entries: list[dict[str, Any]]) -> tuple[str, ...]:
    """The model names of /models entries, in the server's order, blanks and repeats dropped."""
    return tuple(dict.fromkeys(str(m["id"]).strip() for m in entries if str(m.get("id") or "").strip()))


def n_vocab(entries: list[dict[str, Any]], model: str) -> int | None:
    """The model's vocabulary size from llama.cpp's /v1/models entries (meta.n_vocab)."""
    for m in entries:
        meta = m.get("meta") if m.get("id") == model or len(entries) == 1 else None
        n = meta.get("n_vocab") if isinstance(meta, dict) else None
        if isinstance(n, int) and not isinstance(n, bool) and n > 0:
            return n
    return None
