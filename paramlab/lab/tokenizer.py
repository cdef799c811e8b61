"""The logit_bias helper: words → the endpoint's own token ids.

logit_bias keys are token ids of the model's tokenizer, so the words must be tokenised by the
same tokenizer the server uses: llama.cpp servers (and the embedded engine) expose `/tokenize`;
for OpenAI models tiktoken is used, but only when its encoding file is already on this machine
(tiktoken downloads encodings on first use, which would hang or fail without internet).
Every network call has a short timeout.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from paramlab.settings import Endpoint
from paramlab.backends.llamacpp import tokenize as llamacpp_tokenize
from paramlab import errors
from paramlab.errors import ChatError
from paramlab.backends import registry

TIMEOUT_S = 3.0
# Where tiktoken keeps the encodings it downloaded (tiktoken.load.read_file_cached).
TIKTOKEN_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
TIKTOKEN_FILE = {"r50k_base": "r50k_base", "p50k_base": "p50k_base", "p50k_edit": "p50k_base",
                 "cl100k_base": "cl100k_base", "o200k_base": "o200k_base", "o200k_harmony": "o200k_base"}


class TokenizerUnavailable(RuntimeError):
    """No tokenizer for this endpoint; the message says why and what to do."""


@dataclass(frozen=True)
class WordTokens:
    text: str                 # exactly what was tokenised (a word, maybe with a leading space)
    ids: tuple[int, ...]
    pieces: tuple[str, ...]
    source: str               # "/tokenize" or "tiktoken <encoding>"

    @property
    def single(self) -> bool:
        return len(self.ids) == 1


def split_words(text: str) -> list[str]:
    """Words typed in a box, separated by commas or new lines (spaces inside a word are kept)."""
    return [w.strip() for part in text.replace("\n", ",").split(",") if (w := part.strip())]


def variants(word: str) -> list[str]:
    """A word tokenises differently at the start of a text and after a space: bias both forms."""
    w = word.strip()
    return [w, " " + w] if w else []


def tokenize_words(endpoint: Endpoint, model: str | None, words: Iterable[str],
                   with_space_variant: bool = True) -> list[WordTokens]:
    """Token ids of each word (and of ' word'). Raises TokenizerUnavailable with a clear message."""
    texts: list[str] = []
    for w in words:
        for v in (variants(w) if with_space_variant else [w]):
            if v not in texts:
                texts.append(v)
    if not texts:
        return []
    backend = registry.for_endpoint(endpoint)
    if backend.tokenizer == "tiktoken":
        return _tiktoken(model or "", texts)
    if backend.tokenizer == "server":
        return [_llamacpp(endpoint, t) for t in texts]
    raise TokenizerUnavailable(
        f"logit_bias helper: ParamLab has no tokenizer for {backend.label} endpoints; "
        "enter token ids directly in logit_bias (id: bias)")


def _llamacpp(endpoint: Endpoint, text: str) -> WordTokens:
    # through the transport: the key only to its own host, proxy, CA bundle, peer check
    try:
        pairs = llamacpp_tokenize(endpoint, text, timeout=TIMEOUT_S)
    except errors.APITimeoutError:
        raise TokenizerUnavailable(f"logit_bias helper: {endpoint.host} did not answer /tokenize "
                                   f"within {TIMEOUT_S:g} s") from None
    except errors.APIStatusError as e:
        raise TokenizerUnavailable(f"logit_bias helper: {endpoint.host} has no usable /tokenize "
                                   f"(HTTP {e.status}); it may not be a llama.cpp server") from None
    except errors.APIConnectionError as e:
        raise TokenizerUnavailable(f"logit_bias helper: /tokenize on {endpoint.host} failed ({e})") from None
    except ChatError as e:  # the base URL is refused by urlsafety, or the answer is not a token list
        raise TokenizerUnavailable(f"logit_bias helper: {e}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise TokenizerUnavailable(f"logit_bias helper: /tokenize on {endpoint.host} answered "
                                   f"something unexpected ({type(e).__name__})") from None
    return WordTokens(text, tuple(i for i, _ in pairs), tuple(p for _, p in pairs), "/tokenize")


def tiktoken_cache_dir() -> Path:
    d = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    return Path(d) if d else Path(tempfile.gettempdir()) / "data-gym-cache"


def tiktoken_cached(encoding: str) -> bool:
    """Whether tiktoken can load `encoding` without a download."""
    name = TIKTOKEN_FILE.get(encoding)
    if name is None:
        return False
    key = hashlib.sha1(TIKTOKEN_BLOB.format(name).encode()).hexdigest()
    return (tiktoken_cache_dir() / key).is_file()


def _tiktoken(model: str, texts: list[str]) -> list[WordTokens]:
    if importlib.util.find_spec("tiktoken") is None:
        raise TokenizerUnavailable("logit_bias helper: tiktoken is not installed (pip install tiktoken); "
                                   "enter token ids directly in logit_bias (id: bias)")
    import tiktoken
    try:
        encoding = tiktoken.encoding_name_for_model(model)
    except KeyError:
        raise TokenizerUnavailable(f"logit_bias helper: tiktoken does not know the model {model!r}; "
                                   "enter token ids directly in logit_bias (id: bias)") from None
    if not tiktoken_cached(encoding):
        raise TokenizerUnavailable(
            f"logit_bias helper: tiktoken's {encoding} encoding is not available on this machine and "
            f"cannot be downloaded here; copy it into {tiktoken_cache_dir()} (or set TIKTOKEN_CACHE_DIR), "
            "or enter token ids directly")
    enc = tiktoken.get_encoding(encoding)
    out = []
    for t in texts:
        ids = enc.encode(t)
        out.append(WordTokens(t, tuple(ids), tuple(enc.decode_single_token_bytes(i).decode("utf-8", "replace")
                                                   for i in ids), f"tiktoken {encoding}"))
    return out


def bias_for(tokens: Iterable[WordTokens], value: float, first_only: bool = False) -> dict[int, float]:
    """logit_bias entries giving `value` to the tokens of every word (or only its first token)."""
    out: dict[int, float] = {}
    for wt in tokens:
        for i in (wt.ids[:1] if first_only else wt.ids):
            out[i] = float(value)
    return out


def merge_bias(existing: Mapping[int, float] | None, new: Mapping[int, float]) -> dict[int, float]:
    """New entries override old ones for the same id."""
    return {**{int(k): float(v) for k, v in (existing or {}).items()}, **new}


def tokenize_text(endpoint: Endpoint, model: str | None, text: str) -> WordTokens:
    """Token ids of a whole text (no variants), e.g. the token history the penalties count."""
    if not text:
        return WordTokens("", (), (), "")
    return tokenize_words(endpoint, model, [text], with_space_variant=False)[0]
