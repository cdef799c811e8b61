"""The backend registry: detection from recorded /models answers and headers, extension samplers
(validation naming the field, sent only to backends that accept them, exported as extra_body), and
the defaults a server really applies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab import settings
from paramlab.backends import defaults, registry
from paramlab.request import codegen, presets, schema, sessions

DATA = Path(__file__).resolve().parents[1] / "support" / "data" / "backends"
MSGS = [{"role": "user", "content": "hi"}]


def recorded(kind: str) -> dict:
    return json.loads((DATA / f"{kind}.json").read_text())


@pytest.mark.parametrize("kind", ["vllm", "ollama", "lmstudio", "litellm", "openai", "azure", "llamacpp"])
def test_detection_from_recorded_models_and_headers(kind):
    rec = recorded(kind)
    found = registry.detect("https://models.example.com/v1", rec["body"], rec["headers"])
    assert found.kind == kind and found.evidence


@pytest.mark.parametrize("kind", ["openai", "azure", "litellm", "vllm", "lmstudio", "llamacpp"])
def test_fixtures_from_real_servers_say_where_they_were_recorded(kind):
    assert "recorded" in recorded(kind)["source"]


def test_ollama_is_found_whatever_model_comes_first():
    """Ollama's owned_by is the model's namespace: a model pulled from hf.co/<user>/ is owned_by
    <user>, so detection reads every entry, not the first one."""
    rec = recorded("ollama")
    assert rec["body"]["data"][0]["owned_by"] != "library"
    assert registry.from_models(rec["body"]).kind == "ollama"


def test_a_silent_server_falls_back_to_the_url():
    rec = recorded("other")
    assert registry.detect("https://models.example.com/v1", rec["body"], rec["headers"]).kind == "other"
    assert registry.detect("http://127.0.0.1:11434/v1", rec["body"], rec["headers"]).kind == "ollama"


def test_litellm_is_told_apart_from_openai():
    """LiteLLM's recorded /v1/models says owned_by 'openai' and carries no x-litellm-* header: its
    fixed `created` gives it away; on a chat reply its x-litellm-* headers do. OpenAI's own listing,
    with its own dates, stays OpenAI."""
    rec = recorded("litellm")
    assert not any(k.startswith("x-litellm") for k in rec["headers"])
    assert registry.from_models(rec["body"]).kind == "litellm"
    assert registry.from_headers(rec["chat_headers"]).kind == "litellm"
    assert registry.detect("https://models.example.com/v1", None, rec["chat_headers"]).kind == "litellm"
    assert registry.from_models(recorded("openai")["body"]).kind == "openai"
    mixed = {"data": [{"id": "gpt-3.5-turbo", "created": 1677610602, "owned_by": "openai"},
                      {"id": "gpt-4o-mini", "created": 1721172741, "owned_by": "system"}]}
    assert registry.from_models(mixed).kind == "openai"


def test_props_say_llamacpp():
    props = json.loads((DATA / "llamacpp_props.json").read_text())
    assert registry.detect("https://x.example.com/v1", None, {}, props).kind == "llamacpp"


def test_declared_backend_overrides_detection():
    ep = settings.Endpoint("e", "http://127.0.0.1:11434/v1", backend="vllm")
    assert registry.kind_of(ep) == "vllm"
    assert registry.kind_of(settings.Endpoint("e", "http://127.0.0.1:11434/v1")) == "ollama"
    registry.remember("http://10.1.2.3:9999/v1", registry.Detection("vllm", "probe"))
    assert registry.kind_of(settings.Endpoint("e", "http://10.1.2.3:9999/v1")) == "vllm"


def test_settings_names_and_registry_kinds_agree():
    assert set(settings.BACKENDS) == set(registry.KINDS)


def test_url_guess_per_kind():
    cases = {"https://api.openai.com/v1": "openai", "https://me.openai.azure.com/openai": "azure",
             "http://127.0.0.1:11434/v1": "ollama", "http://127.0.0.1:8000/v1": "vllm",
             "http://127.0.0.1:8080/v1": "llamacpp", "http://127.0.0.1:1234/v1": "lmstudio",
             "http://127.0.0.1:4000/v1": "litellm", "https://example.com/v1": "other"}
    assert {u: registry.from_url(u).kind for u in cases} == cases


# ---- extension samplers -----------------------------------------------------------------------

LLAMACPP_GOOD = {"top_k": 10, "min_p": 0.1, "typical_p": 0.9, "top_n_sigma": 1.5, "repeat_penalty": 1.1,
                 "repeat_last_n": 32, "dry_multiplier": 0.8, "dry_base": 1.75, "dry_allowed_length": 2,
                 "dry_penalty_last_n": -1, "xtc_probability": 0.5, "xtc_threshold": 0.1, "mirostat": 2,
                 "mirostat_tau": 5.0, "mirostat_eta": 0.1, "samplers": ["top_k", "temperature"], "n_probs": 5,
                 "post_sampling_probs": True, "ignore_eos": False, "cache_prompt": True,
                 "grammar": 'root ::= "yes" | "no"'}
LLAMACPP_BAD = {"top_k": -3, "min_p": 1.5, "typical_p": 2.0, "top_n_sigma": -2.0, "repeat_penalty": 9.0,
                "repeat_last_n": -2, "dry_multiplier": -1.0, "dry_base": 0.5, "dry_allowed_length": -1,
                "dry_penalty_last_n": -5, "xtc_probability": 1.5, "xtc_threshold": 0.9, "mirostat": 3,
                "mirostat_tau": -1.0, "mirostat_eta": 2.0, "samplers": ["top_k", "bogus"], "n_probs": 5000,
                "post_sampling_probs": "yes", "ignore_eos": 1, "cache_prompt": "no", "grammar": ""}
VLLM_GOOD = {"top_k": -1, "min_p": 0.05, "repetition_penalty": 1.2, "min_tokens": 4, "stop_token_ids": [2, 7],
             "include_stop_str_in_output": True, "ignore_eos": True, "bad_words": ["darn"]}
VLLM_BAD = {"top_k": -2, "min_p": -0.1, "repetition_penalty": 0.0, "min_tokens": -1, "stop_token_ids": ["a"],
            "include_stop_str_in_output": "x", "ignore_eos": "x", "bad_words": [""]}


def test_every_declared_extension_has_a_test_case():
    assert set(registry.get("llamacpp").extension_names) == set(LLAMACPP_GOOD) == set(LLAMACPP_BAD)
    assert set(registry.get("vllm").extension_names) == set(VLLM_GOOD) == set(VLLM_BAD)


@pytest.mark.parametrize("backend, good, bad", [("llamacpp", LLAMACPP_GOOD, LLAMACPP_BAD),
                                                ("vllm", VLLM_GOOD, VLLM_BAD)])
def test_extension_validation_names_each_field(backend, good, bad):
    assert schema.validate_params(good, backend) == []
    for name, value in bad.items():
        errors = schema.validate_params({name: value}, backend)
        assert [e.field for e in errors] == [name], (name, value)
        with pytest.raises(schema.ValidationError) as e:
            schema.build_body("m", MSGS, {name: value}, backend=backend)
        assert str(e.value).startswith(f"{name}: ")


@pytest.mark.parametrize("backend, params", [("llamacpp", LLAMACPP_GOOD), ("embedded", LLAMACPP_GOOD),
                                             ("vllm", VLLM_GOOD)])
def test_extensions_sent_only_to_backends_that_accept_them(backend, params):
    body = schema.build_body("m", MSGS, {"temperature": 0.5, **params}, backend=backend)
    assert {k: body[k] for k in params} == params
    for other in ("openai", "azure", "ollama", "litellm", "other", None):
        body = schema.build_body("m", MSGS, {"temperature": 0.5, **params}, backend=other)
        assert set(body) == {"model", "messages", "temperature"}


def test_an_extension_of_another_backend_never_blocks_sending():
    body = schema.build_body("m", MSGS, {"repetition_penalty": 0.0, "min_tokens": -1}, backend="llamacpp")
    assert "repetition_penalty" not in body and "min_tokens" not in body  # vLLM's, not shown for llama.cpp
    # the same name on two backends is checked against the chosen one: -1 is vLLM's "off", not llama.cpp's
    assert schema.build_body("m", MSGS, {"top_k": -1}, backend="vllm")["top_k"] == -1
    with pytest.raises(schema.ValidationError, match="^top_k: must be between 0 and 1000"):
        schema.build_body("m", MSGS, {"top_k": -1}, backend="llamacpp")


def test_extensions_in_code_export_as_extra_body():
    body = schema.build_body("m", MSGS, {"temperature": 0.5, "top_k": 5, "min_p": 0.1, "samplers": ["top_k"]},
                             backend="llamacpp")
    code = codegen.openai_sdk(body, "http://127.0.0.1:8080/v1", has_key=False)
    assert "extra_body={'top_k': 5, 'min_p': 0.1, 'samplers': ['top_k']}," in code
    assert "    temperature=0.5," in code
    compile(code, "export.py", "exec")
    assert '"top_k": 5' in codegen.curl(body, "http://127.0.0.1:8080/v1", has_key=False)


def test_extensions_kept_in_presets_and_sessions(tmp_path):
    params = {**schema.defaults(), "temperature": 0.7, "top_k": 20, "min_p": 0.1, "samplers": ["top_k", "temperature"],
              "stop_token_ids": [2]}
    p = presets.save("Teach top_k", "top_k demo", params, user=tmp_path)
    again = presets.parse(p.path.read_bytes(), p.path.name)
    assert again.params == {"temperature": 0.7, "top_k": 20, "min_p": 0.1, "samplers": ["top_k", "temperature"],
                            "stop_token_ids": [2]}
    s, warnings = sessions.from_json(sessions.to_json(sessions.Session(params=params)))
    assert warnings == [] and {k: s.params[k] for k in ("top_k", "min_p", "samplers")} == {
        "top_k": 20, "min_p": 0.1, "samplers": ["top_k", "temperature"]}


def test_a_preset_with_a_bad_extension_names_the_field():
    with pytest.raises(presets.PresetInvalid, match=r"params.min_p: must be between 0 and 1"):
        presets.parse("name: x\ndescription: y\nparams: {min_p: 3}\n", "x.yaml")


# ---- ignored parameters and server defaults -----------------------------------------------------

def test_ollama_drops_are_in_the_registry():
    ignored = schema.ignored_params({"n": 2, "logit_bias": {1: 2}, "temperature": 1}, "ollama")
    assert set(ignored) == {"n", "logit_bias"}
    assert schema.ignored_params({"n": 2}, "llamacpp") == {}


def test_llamacpp_defaults_come_from_props():
    props = json.loads((DATA / "llamacpp_props.json").read_text())
    d = defaults.server_defaults(registry.get("embedded"), props)
    assert {k: d[k].value for k in ("temperature", "top_k", "top_p", "min_p")} == {
        "temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0.05}
    assert d["temperature"].text() == "server default: 0.8 (reported by the server)"
    assert d["samplers"].value[-1] == "temperature"


def test_ollama_forces_one_and_vllm_says_generation_config():
    d = defaults.server_defaults(registry.get("ollama"))
    assert d["temperature"].text() == "server default: 1 (forced by Ollama when omitted)"
    v = defaults.server_defaults(registry.get("vllm"))
    assert v["temperature"].value is None and "generation_config.json" in v["temperature"].text()
    assert defaults.server_defaults(registry.get("openai")) == {}


def test_the_guide_explains_every_extension_in_both_languages():
    from paramlab.lab import guide_backends
    for lang in ("en", "zh"):
        views = guide_backends.views(lang)
        assert [v.name for v in views] == list(registry.EXTENSION_NAMES)
        assert all(v.short and v.long and v.backends for v in views)
    zh = {v.name: v for v in guide_backends.views("zh")}
    assert "最可能" in zh["top_k"].short and "vLLM" in zh["top_k"].backends and "llama.cpp" in zh["top_k"].backends
    assert "/props" in guide_backends.WHY_DEFAULTS["en"] and "/props" in guide_backends.WHY_DEFAULTS["zh"]


def test_llamacpp_without_props_shows_its_documented_defaults():
    d = defaults.server_defaults(registry.get("llamacpp"), None)
    assert d["temperature"].text() == "server default: 0.8 (documented; this server did not answer /props)"
    assert d["top_k"].value == 40 and d["min_p"].value == 0.05


def test_extension_samplers_are_kept_in_the_ledger_row():
    from paramlab.client.result import ChatResult
    from paramlab.usage.ledger import records
    ep = settings.embedded_endpoint("http://127.0.0.1:9/v1")
    body = schema.build_body("m", MSGS, {"temperature": 0.5, "top_k": 5, "min_p": 0.1}, backend="embedded")
    row, _ = records.from_result(ep, ChatResult(request=body), {"page": "playground"})
    assert json.loads(row["params"]) == {"model": "m", "temperature": 0.5, "top_k": 5, "min_p": 0.1}
    assert row["backend"] == "embedded"


def test_parallel_slots_from_props():
    from paramlab.backends import llamacpp
    props = json.loads((DATA / "llamacpp_props.json").read_text())
    assert llamacpp.slots_from_props(props) == 4
    assert llamacpp.slots_from_props({}) is None and llamacpp.slots_from_props({"total_slots": True}) is None


def test_the_guide_gives_per_backend_ranges_where_they_differ():
    from paramlab.lab import guide_backends
    top_k = guide_backends.view("top_k", "en")
    assert top_k.backends == "llama.cpp, vLLM, LM Studio"
    assert top_k.range == "llama.cpp: 0 – 1000; vLLM: -1 – 100000; LM Studio: 0 – 1000"
    assert top_k.default == "llama.cpp: 40; vLLM: -1; LM Studio: —"
    assert "llama.cpp applies 40" in top_k.long  # llama.cpp's explanation leads
    assert guide_backends.view("dry_base", "zh").range == "1 – 4"
