"""The logit_bias helper against the embedded engine's own tokenizer, and its clear failures."""
import hashlib
import socket
import threading

import pytest

from paramlab.request import schema
from paramlab.lab import tokenizer
from paramlab.settings import Endpoint

PROMPT = [{"role": "user", "content": "What is the capital of France? Answer with one word."}]
SEEDS = range(6)


def generate(client, model, seed, bias=None):
    body = schema.build_body(model, PROMPT, {"temperature": 1.0, "seed": seed, "max_tokens": 12,
                                             "logit_bias": bias, "logprobs": True})
    c = client.complete(body).choices[0]
    return c.text, [t["id"] for t in c.logprobs]


@pytest.mark.engine
def test_word_ids_from_the_engine(engine_endpoint):
    found = tokenizer.tokenize_words(engine_endpoint, engine_endpoint.models[0], ["Paris"])
    assert [w.text for w in found] == ["Paris", " Paris"]
    assert all(w.source == "/tokenize" and w.ids for w in found)
    assert found[0].ids != found[1].ids  # the leading space makes a different token
    assert "".join(found[1].pieces) == " Paris"


@pytest.mark.engine
def test_banned_word_is_never_emitted(engine_endpoint, engine_client):
    model = engine_endpoint.models[0]
    found = tokenizer.tokenize_words(engine_endpoint, model, ["Paris"])
    banned = set(tokenizer.bias_for(found, -100))
    # Without the bias the model does say it, with these seeds (so this test can fail).
    free = [generate(engine_client, model, s) for s in SEEDS]
    assert any("Paris" in text for text, _ in free)
    assert any(banned & set(ids) for _, ids in free)
    bias = tokenizer.bias_for(found, -100)
    for seed in SEEDS:
        text, ids = generate(engine_client, model, seed, bias)
        assert not banned & set(ids), (seed, text)
        assert "Paris" not in text, (seed, text)


@pytest.mark.engine
def test_token_history_ids(engine_endpoint):
    wt = tokenizer.tokenize_text(engine_endpoint, None, "the cat and the dog")
    assert len(wt.ids) == 5 and wt.ids[0] != wt.ids[3]  # "the" vs " the"
    assert tokenizer.tokenize_text(engine_endpoint, None, "").ids == ()


def test_helpers():
    assert tokenizer.split_words(" blue, red\nsky blue ,, ") == ["blue", "red", "sky blue"]
    assert tokenizer.variants(" blue ") == ["blue", " blue"]
    words = [tokenizer.WordTokens("x", (1, 2), ("a", "b"), "t"), tokenizer.WordTokens(" x", (3,), (" x",), "t")]
    assert tokenizer.bias_for(words, -100) == {1: -100.0, 2: -100.0, 3: -100.0}
    assert tokenizer.bias_for(words, 5, first_only=True) == {1: 5.0, 3: 5.0}
    assert tokenizer.merge_bias({"1": 3, 7: 1}, {1: -100.0}) == {1: -100.0, 7: 1.0}


def _endpoint(base_url, backend):
    return Endpoint("test", base_url, backend=backend)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_gives_a_clear_message():
    ep = _endpoint(f"http://127.0.0.1:{closed_port()}/v1", "llamacpp")
    with pytest.raises(tokenizer.TokenizerUnavailable, match="logit_bias helper: /tokenize .* failed"):
        tokenizer.tokenize_words(ep, "m", ["blue"])


def test_silent_server_does_not_hang(monkeypatch):
    """A real socket that accepts and never answers: the short timeout ends it."""
    monkeypatch.setattr(tokenizer, "TIMEOUT_S", 0.3)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    conns = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        ep = _endpoint(f"http://127.0.0.1:{srv.getsockname()[1]}/v1", "other")
        with pytest.raises(tokenizer.TokenizerUnavailable, match="did not answer /tokenize within 0.3 s"):
            tokenizer.tokenize_words(ep, "m", ["blue"])
    finally:
        stop.set()
        t.join()
        for c in conns:
            c.close()
        srv.close()


def test_backend_without_a_tokenizer():
    with pytest.raises(tokenizer.TokenizerUnavailable, match="no tokenizer for Ollama .* token ids directly"):
        tokenizer.tokenize_words(_endpoint("http://127.0.0.1:11434/v1", "ollama"), "llama3", ["blue"])


def test_openai_without_local_encodings(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    ep = _endpoint("https://api.openai.com/v1", "openai")
    with pytest.raises(tokenizer.TokenizerUnavailable, match="tiktoken"):
        tokenizer.tokenize_words(ep, "gpt-4o-mini", ["blue"])


def test_tiktoken_cache_lookup(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert not tokenizer.tiktoken_cached("o200k_base")
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_text("")
    assert tokenizer.tiktoken_cached("o200k_base") and tokenizer.tiktoken_cached("o200k_harmony")
    assert not tokenizer.tiktoken_cached("cl100k_base")
