"""Settings: precedence CHAT_ > OPENAI_ > secrets.toml > YAML file, the example file, bad entries."""
from __future__ import annotations

from pathlib import Path

import pytest

from paramlab.backends import registry
from paramlab.settings import (EMBEDDED_NAME, ENV_ENDPOINT_NAME, ConfigError, engine_options,
                             load_settings)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "paramlab.example.yaml"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "paramlab.yaml"
    p.write_text(text, encoding="utf-8")
    return p


FILE = """
base_url: http://file.example.com/v1
api_key: file-key-0000
model: file-model
organization: org-file
endpoints:
  - name: Local
    base_url: http://127.0.0.1:8080/v1
"""
SECRETS = {"CHAT_BASE_URL": "http://secrets.example.com/v1", "CHAT_APIKEY": "secrets-key-1111",
           "CHAT_MODEL": "secrets-model", "CHAT_ORG": "org-secrets"}
OPENAI = {"OPENAI_BASE_URL": "http://openai-env.example.com/v1", "OPENAI_API_KEY": "openai-key-2222",
          "OPENAI_ORG_ID": "org-openai"}
CHAT = {"CHAT_BASE_URL": "http://chat-env.example.com/v1", "CHAT_APIKEY": "chat-key-3333", "CHAT_MODEL": "chat-model",
        "CHAT_ORG": "org-chat", "CHAT_PROXY": "http://proxy.example.com:3128"}


def env_endpoint(s):
    ep = s.endpoint(ENV_ENDPOINT_NAME)
    assert s.default_endpoint == ENV_ENDPOINT_NAME
    return ep


def test_file_only(tmp_path):
    s = load_settings({}, {}, write(tmp_path, FILE))
    ep = env_endpoint(s)
    assert (ep.base_url, ep.api_key.reveal(), ep.organization) == ("http://file.example.com/v1", "file-key-0000",
                                                                   "org-file")
    assert s.default_model == "file-model" and s.source["base_url"] == "paramlab.yaml"
    assert [e.name for e in s.endpoints] == [ENV_ENDPOINT_NAME, "Local", EMBEDDED_NAME]
    assert s.errors == []


def test_secrets_beat_file(tmp_path):
    s = load_settings({}, SECRETS, write(tmp_path, FILE))
    ep = env_endpoint(s)
    assert ep.base_url == "http://secrets.example.com/v1" and ep.api_key.reveal() == "secrets-key-1111"
    assert s.default_model == "secrets-model" and ep.organization == "org-secrets"
    assert s.source["api_key"] == "secrets.toml"


def test_openai_env_beats_secrets(tmp_path):
    s = load_settings(OPENAI, SECRETS, write(tmp_path, FILE))
    ep = env_endpoint(s)
    assert ep.base_url == "http://openai-env.example.com/v1" and ep.api_key.reveal() == "openai-key-2222"
    assert ep.organization == "org-openai"
    assert s.default_model == "secrets-model"  # OPENAI_ has no model variable
    assert s.source["api_key"] == "OPENAI_API_KEY"


def test_chat_env_beats_everything(tmp_path):
    s = load_settings({**OPENAI, **CHAT}, SECRETS, write(tmp_path, FILE))
    ep = env_endpoint(s)
    assert ep.base_url == "http://chat-env.example.com/v1" and ep.api_key.reveal() == "chat-key-3333"
    assert ep.organization == "org-chat" and ep.proxy == "http://proxy.example.com:3128"
    assert s.default_model == "chat-model" and ep.models == ("chat-model",)
    assert s.source == {"base_url": "CHAT_BASE_URL", "api_key": "CHAT_APIKEY", "model": "CHAT_MODEL",
                        "organization": "CHAT_ORG", "proxy": "CHAT_PROXY"}


def test_precedence_is_per_field(tmp_path):
    s = load_settings({"CHAT_APIKEY": "chat-key-3333"}, {"CHAT_MODEL": "secrets-model"}, write(tmp_path, FILE))
    ep = env_endpoint(s)
    assert ep.base_url == "http://file.example.com/v1"  # from the file
    assert ep.api_key.reveal() == "chat-key-3333"     # from CHAT_
    assert s.default_model == "secrets-model"         # from secrets


def test_only_a_key_means_openai(tmp_path):
    s = load_settings({"OPENAI_API_KEY": "sk-only-key-4444"}, {}, tmp_path / "missing.yaml")
    ep = env_endpoint(s)
    assert ep.base_url == "https://api.openai.com/v1" and registry.kind_of(ep) == "openai"


def test_nothing_configured_gives_the_embedded_default(tmp_path):
    s = load_settings({}, {}, tmp_path / "missing.yaml")
    assert [e.name for e in s.endpoints] == [EMBEDDED_NAME]
    assert s.default_endpoint == EMBEDDED_NAME and s.endpoints[0].embedded
    assert s.errors == [] and s.config_file is None and s.port == 8501


def test_chat_port(tmp_path):
    assert load_settings({"CHAT_PORT": "9000"}, {}, tmp_path / "x.yaml").port == 9000
    s = load_settings({"CHAT_PORT": "ninety"}, {}, tmp_path / "x.yaml")
    assert s.port == 8501 and any("CHAT_PORT" in e for e in s.errors)


def test_chat_config_variable_points_at_the_file(tmp_path):
    p = write(tmp_path, FILE)
    s = load_settings({"CHAT_CONFIG": str(p)}, {})
    assert s.config_file == str(p) and s.endpoint("Local")


def test_example_file_loads_cleanly(monkeypatch):
    for var in ("OPENAI_API_KEY", "VLLM_API_KEY", "LITELLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings({}, {}, EXAMPLE)
    assert s.errors == []
    names = [e.name for e in s.endpoints]
    assert names == ["OpenAI", "Ollama", "vLLM", "llama.cpp", "LM Studio", "LiteLLM", EMBEDDED_NAME]
    assert s.default_endpoint == "OpenAI"
    backends = {e.name: registry.kind_of(e) for e in s.endpoints}
    assert backends == {"OpenAI": "openai", "Ollama": "ollama", "vLLM": "vllm", "llama.cpp": "llamacpp",
                        "LM Studio": "lmstudio", "LiteLLM": "litellm", EMBEDDED_NAME: "embedded"}
    assert "#" in EXAMPLE.read_text()  # it explains itself


def test_api_key_env_read_from_the_given_environment(tmp_path):
    p = write(tmp_path, "endpoints:\n  - name: V\n    base_url: http://127.0.0.1:8000/v1\n    api_key_env: MY_KEY\n")
    s = load_settings({"MY_KEY": "vllm-key-5555"}, {}, p)
    assert s.endpoint("V").api_key.reveal() == "vllm-key-5555"


def test_secrets_endpoints_tables(tmp_path):
    s = load_settings({}, {"endpoints": [{"name": "S", "base_url": "http://127.0.0.1:9999/v1", "api_key": "k-6666"}]},
                      tmp_path / "missing.yaml")
    assert s.endpoint("S").api_key.reveal() == "k-6666"


@pytest.mark.parametrize("entry, field", [
    ("  - name: A\n    base_url: ftp://x/v1\n", "endpoints[0].base_url"),
    ("  - base_url: http://127.0.0.1:1/v1\n", "endpoints[0].name"),
    ("  - name: A\n    base_url: http:///v1\n", "endpoints[0].base_url"),
    ("  - name: A\n    base_url: http://user:pw@host/v1\n", "endpoints[0].base_url"),
    ("  - name: A\n    base_url: http://127.0.0.1:1/v1\n    backend: mystery\n", "endpoints[0].backend"),
    ("  - name: A\n    base_url: http://127.0.0.1:1/v1\n    context_window: big\n", "endpoints[0].context_window"),
    ("  - name: A\n    base_url: http://127.0.0.1:1/v1\n    models: 5\n", "endpoints[0].models"),
    ("  - name: A\n    base_url: http://127.0.0.1:1/v1\n    verify_tls: maybe\n", "endpoints[0].verify_tls"),
    ("  - just a string\n", "endpoints[0]"),
])
def test_bad_entries_reported_with_field_and_skipped(tmp_path, entry, field):
    good = "  - name: Good\n    base_url: http://127.0.0.1:2/v1\n"
    s = load_settings({}, {}, write(tmp_path, "endpoints:\n" + entry + good))
    assert len(s.errors) == 1 and field in s.errors[0], s.errors
    assert "Good" in [e.name for e in s.endpoints] and "A" not in [e.name for e in s.endpoints]


def test_bad_yaml_reported_not_fatal(tmp_path):
    s = load_settings({}, {}, write(tmp_path, "endpoints: [unclosed\n"))
    assert len(s.errors) == 1 and "not valid YAML" in s.errors[0]
    assert s.default_endpoint == EMBEDDED_NAME
    s = load_settings({}, {}, write(tmp_path, "- a list\n"))
    assert "top level must be a mapping" in s.errors[0]


def test_bad_base_url_in_env_reported(tmp_path):
    s = load_settings({"CHAT_BASE_URL": "localhost:8080"}, {}, tmp_path / "missing.yaml")
    assert any("CHAT_BASE_URL" in e for e in s.errors)
    assert s.default_endpoint == EMBEDDED_NAME


def test_keys_never_in_public_view_or_repr(tmp_path):
    s = load_settings(CHAT, {}, write(tmp_path, FILE))
    for ep in s.endpoints:
        assert "chat-key-3333" not in repr(ep) and "chat-key-3333" not in str(ep.public())
    assert "chat-key-3333" not in repr(s)


@pytest.mark.parametrize("url, backend", [("https://api.openai.com/v1", "openai"),
                                          ("http://127.0.0.1:11434/v1", "ollama"),
                                          ("http://127.0.0.1:8000/v1", "vllm"),
                                          ("http://127.0.0.1:8080/v1", "llamacpp"),
                                          ("http://127.0.0.1:1234/v1", "lmstudio"),
                                          ("http://127.0.0.1:4000/v1", "litellm"),
                                          ("https://example.com/v1", "other")])
def test_guess_backend(url, backend):
    assert registry.from_url(url).kind == backend


# -- embedded engine options ----------------------------------------------------------------------
def test_engine_options_defaults_and_env():
    assert engine_options({}) == {"gguf": None, "threads": 0, "n_ctx": 8192, "n_parallel": 4}
    opts = engine_options({"CHAT_GGUF": "/m.gguf", "CHAT_ENGINE_THREADS": "2", "CHAT_ENGINE_CTX": "4096",
                           "CHAT_ENGINE_PARALLEL": "6"})
    assert opts == {"gguf": "/m.gguf", "threads": 2, "n_ctx": 4096, "n_parallel": 6}


@pytest.mark.parametrize("var, value", [("CHAT_ENGINE_THREADS", "two"), ("CHAT_ENGINE_CTX", "8k"),
                                        ("CHAT_ENGINE_PARALLEL", "0"), ("CHAT_ENGINE_PARALLEL", "x"),
                                        ("CHAT_ENGINE_CTX", "-1"), ("CHAT_ENGINE_THREADS", "-2")])
def test_engine_options_errors_name_the_variable(var, value):
    with pytest.raises(ConfigError) as ei:
        engine_options({var: value})
    assert var in str(ei.value)


def test_missing_gguf_is_a_clear_error(tmp_path):
    from paramlab.backends.engine import EmbeddedEngine, EngineError
    with pytest.raises(EngineError) as ei:
        EmbeddedEngine(gguf=str(tmp_path / "nope.gguf")).model_path()
    assert "CHAT_GGUF" in str(ei.value) and "nope.gguf" in str(ei.value)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(EngineError) as ei:
        EmbeddedEngine(gguf=str(bad)).start()
    assert "not a GGUF" in str(ei.value)
