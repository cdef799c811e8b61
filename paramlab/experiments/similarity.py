"""How different the repeats of one sweep cell are: distinct-n and mean pairwise similarity.

distinct-n (Li et al., 2016) is the share of n-grams that are unique across all replies: 1.0
means no n-gram repeats, values near 0 mean the replies say the same thing over and over.
Mean pairwise similarity compares every pair of replies word by word (difflib ratio): 1.0 for
identical replies, so temperature 0 should sit at (or near) 1.0.
"""
from __future__ import annotations

import difflib
import re
from itertools import combinations
from typing import Sequence

_WORD = re.compile(r"\w+|[^\w\s]")


def words(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens (case and spacing are not diversity)."""
    return _WORD.findall(text.lower())


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(texts: Sequence[str], n: int) -> float | None:
    """Unique n-grams / all n-grams over every text; None when there are no n-grams at all."""
    grams = [g for t in texts for g in ngrams(words(t), n)]
    if not grams:
        return None
    return len(set(grams)) / len(grams)


def similarity(a: str, b: str) -> float:
    """Word-level similarity 0..1 (difflib's ratio over word tokens)."""
    wa, wb = words(a), words(b)
    if not wa and not wb:
        return 1.0
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def mean_pairwise_similarity(texts: Sequence[str]) -> float | None:
    """Mean similarity over all pairs; None with fewer than two texts."""
    pairs = list(combinations(texts, 2))
    if not pairs:
        return None
    return sum(similarity(a, b) for a, b in pairs) / len(pairs)


def summary(texts: Sequence[str]) -> dict[str, float | None]:
    return {"distinct_1": distinct_n(texts, 1), "distinct_2": distinct_n(texts, 2),
            "mean_similarity": mean_pairwise_similarity(texts)}
