"""Code export for a body using every new parameter and message kind: the curl, requests and
openai-SDK snippets are run for real against a scripted server that checks the body it
receives is exactly the body ParamLab would send."""
from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image

from paramlab.request import codegen
from paramlab.request import tools as toolslib
from paramlab.request.schema import build_body

from support.fault_server import FaultServer
from support.scripted import CheckBody

KEY_ENV = "PARAMLAB_TEST_KEY"


def _png() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (3, 3), (10, 200, 10)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


MESSAGES = [
    {"role": "developer", "content": "Answer in one line."},
    {"role": "user", "content": [{"type": "text", "text": "Weather where this photo was taken?"},
                                 {"type": "image_url", "image_url": {"url": _png(), "detail": "high"}},
                                 {"type": "image_url", "image_url": {"url": "https://example.com/p.jpg",
                                                                     "detail": "low"}}]},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather",
                                                          "arguments": "{\"city\": \"Lyon\", \"unit\": \"celsius\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 18.5}"},
    {"role": "user", "content": "And tomorrow? Ünïcødé ✓ 'quotes' \"double\" $HOME `ticks`"},
]
PARAMS = {
    "reasoning_effort": "low", "verbosity": "low", "tools": [toolslib.TEMPLATES["get_weather"]],
    "tool_choice": "auto", "parallel_tool_calls": True, "service_tier": "auto", "store": False,
    "metadata": {"project": "paramlab", "run": "42"}, "prediction": {"type": "content", "content": "Tomorrow:"},
    "prompt_cache_key": "weather-v1", "prompt_cache_retention": "in_memory", "safety_identifier": "u-9f86d081",
    "web_search_options": {"search_context_size": "low",
                           "user_location": {"type": "approximate", "approximate": {"country": "FR"}}},
    "modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"},
    "max_completion_tokens": 64, "seed": 7,
    "response_format": {"type": "json_schema", "json_schema": {
        "name": "forecast", "strict": True, "schema": {"type": "object", "properties": {"t": {"type": "number"}},
                                                       "required": ["t"], "additionalProperties": False}}},
}
BODY = build_body("gpt-test", MESSAGES, PARAMS)


def run_snippet(kind: str, base_url: str) -> subprocess.CompletedProcess:
    fn, _ = codegen.SNIPPETS[kind]
    code = fn(BODY, base_url, has_key=True, key_env=KEY_ENV)
    env = {**os.environ, KEY_ENV: "sk-test-not-real", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)
    if kind == "curl":
        return subprocess.run(["bash", "-c", code + " --fail-with-body -sS"], capture_output=True, text=True,
                              env=env, timeout=60)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("kind", ["curl", "Python requests", "openai SDK"])
def test_snippet_sends_exactly_the_body(kind):
    if kind == "curl" and shutil.which("curl") is None:
        pytest.fail("curl is not installed (make test installs it)")
    with FaultServer(CheckBody(BODY)) as fs:
        proc = run_snippet(kind, fs.base_url)
        assert fs.count == 1
        got = fs.requests[0]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "body ok" in proc.stdout
    assert got.json() == BODY
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert headers["authorization"] == "Bearer sk-test-not-real"


def test_a_changed_body_is_caught_by_the_server():
    """The check can fail: a server expecting another body answers 400 and the snippet fails."""
    with FaultServer(CheckBody({**BODY, "verbosity": "high"})) as fs:
        proc = run_snippet("Python requests", fs.base_url)
    assert proc.returncode != 0 and "400 Client Error" in proc.stderr
