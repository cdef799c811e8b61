"""The Parameter Guide's part on backends: each backend's own samplers (from the registry's
declarations, in English and Chinese) and why an unset parameter means different things on
different servers."""
from __future__ import annotations

from dataclasses import dataclass

from paramlab.backends import registry

WHY_DEFAULTS = {
    "en": ("**Why defaults differ between servers.** An unticked parameter is not sent, and then each server "
           "applies its own value: OpenAI documents temperature 1 and top_p 1; llama.cpp applies temperature 0.8, "
           "top_k 40, top_p 0.95 and min_p 0.05 unless started otherwise, and reports them in /props; Ollama's "
           "OpenAI endpoint forces temperature and top_p to 1.0, whatever the model's Modelfile says; vLLM takes "
           "them from the model's generation_config.json. So the same request can sample differently on two "
           "servers. ParamLab shows the default the chosen server really applies next to each unticked parameter."),
    "zh": ("**为什么不同服务器的默认值不同。** 未勾选的参数不会发送，于是每个服务器使用自己的值：OpenAI 文档写明温度 1、top_p 1；"
           "llama.cpp 默认温度 0.8、top_k 40、top_p 0.95、min_p 0.05（除非启动时另行设置），并在 /props 中报告；"
           "Ollama 的 OpenAI 接口在未发送时把温度和 top_p 强制设为 1.0，不管模型的 Modelfile 怎么写；vLLM 则取自模型的 "
           "generation_config.json。所以同一个请求在两个服务器上的采样可能不同。ParamLab 在每个未勾选的参数旁显示所选服务器实际使用的默认值。"),
}
TITLE = {"en": "Backend samplers", "zh": "后端专有采样参数"}
# Backend samplers the Distribution Lab has a control for, and what to do with it there.
LAB = {
    "top_k": ("Set top_k to 3: only three bars stay coloured, and the rest of the vocabulary is cut too. "
              "With llama.cpp's order it runs before temperature, so temperature reshapes only those three.",
              "把 top_k 设为 3：只剩三根柱子保持着色，词表其余部分也被去掉。在 llama.cpp 的顺序中它在温度之前，"
              "所以温度只重塑这三个词元。"),
    "min_p": ("Raise min_p: tokens less likely than min_p × the top token's probability are cut (pale bars). "
              "Try it on a confident and on an unsure distribution: the cut adapts.",
              "调高 min_p：概率低于“最高词元概率 × min_p”的词元会被去掉。分别在把握大和把握小的分布上试试：截断会自适应。"),
    "typical_p": ("Lower typical_p: tokens whose surprise is far from the distribution's entropy are cut — "
                  "sometimes the most likely token goes first.",
                  "调低 typical_p：“意外程度”离分布熵较远的词元被去掉——有时最可能的词元反而先被去掉。"),
}
ACCEPTED_BY = {"en": "Accepted by", "zh": "支持的后端"}


@dataclass(frozen=True)
class ExtensionView:
    name: str
    short: str
    long: str
    range: str
    default: str
    backends: str
    lab: str = ""   # what to do with it in the Distribution Lab ("" when the Lab has no control)


def view(name: str, lang: str) -> ExtensionView:
    return next(v for v in views(lang) if v.name == name)


PREFERRED = ("llamacpp", "vllm", "lmstudio")  # whose explanation leads when several declare a sampler


def _default(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return " → ".join(v)
    return str(v).lower() if isinstance(v, bool) else str(v)


def views(lang: str) -> list[ExtensionView]:
    """One entry per backend sampler. Where backends declare it differently (top_k is off at 0 on
    llama.cpp and at −1 on vLLM), range and default are given per backend."""
    zh = lang == "zh"
    out = []
    for name in registry.EXTENSION_NAMES:
        kinds = [k for k in registry.kinds_accepting(name) if k != "embedded"]
        kinds.sort(key=lambda k: PREFERRED.index(k) if k in PREFERRED else len(PREFERRED))
        decls = [(registry.get(k).label, registry.get(k).option(name)) for k in kinds]
        o = decls[0][1]
        ranges = {label: d.range_text(lang) for label, d in decls}
        defaults = {label: _default(d.default) for label, d in decls}
        per = len(set(ranges.values())) > 1 or len(set(defaults.values())) > 1
        range_text = "; ".join(f"{k}: {v}" for k, v in ranges.items()) if per else o.range_text(lang)
        default = "; ".join(f"{k}: {v}" for k, v in defaults.items()) if per else _default(o.default)
        lab = LAB.get(name, ("", ""))[1 if zh else 0]
        out.append(ExtensionView(name, o.short_zh if zh else o.short, o.long_zh if zh else o.long,
                                 range_text, default, ", ".join(label for label, _ in decls), lab))
    return out
