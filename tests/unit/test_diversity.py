"""distinct-n and pairwise similarity among the repeats of a sweep cell."""
from paramlab.experiments import similarity as diversity


def test_distinct_n_counts_unique_ngrams_over_all_texts():
    assert diversity.distinct_n(["a b c", "a b d"], 1) == 4 / 6
    assert diversity.distinct_n(["a b c", "a b d"], 2) == 3 / 4   # (a,b) twice, (b,c), (b,d)
    assert diversity.distinct_n(["the the the"], 1) == 1 / 3


def test_distinct_n_ignores_case_and_splits_punctuation():
    assert diversity.words("Hello, WORLD!") == ["hello", ",", "world", "!"]
    assert diversity.distinct_n(["Sea", "sea"], 1) == 0.5


def test_no_ngrams_is_unknown_not_zero():
    assert diversity.distinct_n(["", ""], 1) is None
    assert diversity.distinct_n(["one"], 2) is None


def test_identical_repeats_have_similarity_one_and_different_ones_less():
    assert diversity.mean_pairwise_similarity(["a b c"] * 3) == 1.0
    s = diversity.mean_pairwise_similarity(["the cat sat", "the dog sat", "a bird flew away"])
    assert 0 < s < 1
    assert diversity.mean_pairwise_similarity(["x y", "p q"]) == 0.0


def test_similarity_of_two_texts_ignores_spacing_and_case():
    """The one similarity: the Sweep's repeats and the Compare page's diff caption both use it."""
    assert diversity.similarity("a b c", "A  b\nc") == 1.0
    assert diversity.similarity("a b", "c d") == 0.0
    assert diversity.similarity("", "") == 1.0


def test_similarity_needs_two_texts():
    assert diversity.mean_pairwise_similarity(["only one"]) is None
    assert diversity.mean_pairwise_similarity([]) is None


def test_summary_has_the_three_measures():
    s = diversity.summary(["a b", "a c"])
    assert set(s) == {"distinct_1", "distinct_2", "mean_similarity"}
    assert s["distinct_1"] == 3 / 4 and s["distinct_2"] == 1.0
