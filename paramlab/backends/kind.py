"""What ParamLab knows about one kind of server: the `Backend` record every backend module fills in.

Everything backend-specific lives in these records (one module per kind, gathered in
`paramlab.backends.registry`); the rest of ParamLab asks the registry instead of testing names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from paramlab.backends.options import Option

# The Distribution Lab's stages, in the vocabulary of llama.cpp's `samplers` list.
LAB_STAGES = ("top_k", "typ_p", "top_p", "min_p", "temperature")


@dataclass(frozen=True)
class Backend:
    kind: str
    label: str
    about: str
    extensions: tuple[Option, ...] = ()          # accepted beyond the standard parameters
    ignores: Mapping[str, str] = field(default_factory=dict)   # standard parameter -> why (silently dropped)
    rejects: Mapping[str, str] = field(default_factory=dict)   # standard parameter -> the server's answer
    drops_note: str = ""                         # shown in the panel's group for this backend
    splits_n: bool = False                       # ignores n: ParamLab sends n requests of n=1
    n_note: str = ""                             # shown under n > 1
    n_limit: str = "no fixed limit"
    usage_quirks: str = ""
    recount_n_usage: bool = False                # non-streaming n > 1 usage covers choice 0 only
    sampler_chain: tuple[str, ...] = ("penalties", "temperature", "top_p")
    prompt_tokens: str = "estimate"              # "server" (/apply-template + /tokenize) | "estimate"
    tokenizer: str | None = None                 # "server" (/tokenize) | "tiktoken" | None
    defaults_from_props: bool = False            # /props default_generation_settings
    static_defaults: Mapping[str, Any] = field(default_factory=dict)  # server defaults known without asking
    documented_defaults: Mapping[str, Any] = field(default_factory=dict)  # the usual ones, when it cannot be asked
    defaults_note: str = ""                      # where its defaults come from
    local: bool = False                          # runs on the user's machine: costs nothing
    lab_note: str = ""

    def option(self, name: str) -> Option | None:
        return next((o for o in self.extensions if o.name == name), None)

    @property
    def extension_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.extensions)

    @property
    def lab_chain(self) -> tuple[str, ...]:
        """The stages the Distribution Lab models, in this backend's order."""
        return tuple(s for s in self.sampler_chain if s in LAB_STAGES)
