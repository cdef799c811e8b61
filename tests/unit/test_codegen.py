"""The generated snippets are the exact request, never inline the key, and work: the curl and
Python snippets run against the embedded engine and get a 200."""
import json
import os
import shlex
import subprocess
import sys

import pytest

from paramlab.request import codegen
from paramlab.request import schema

KEY = "sk-test-SECRET-value-1234567890"


def body(stream=False, **params):
    p = {**schema.defaults(), "temperature": 0.0, "max_tokens": 8, "seed": 7, "stop": ["\n\n"],
         "logit_bias": {17: -5.0}, **params}
    if stream:
        p["stream"], p["stream_options"] = True, {"include_usage": True}
    return schema.build_body("smollm2-135m-instruct",
                             [{"role": "system", "content": "Be brief. Quote: 'it's \"fine\"' \\ $HOME"},
                              {"role": "user", "content": "Say hello."}], p)


def run_curl(snippet: str, env: dict) -> tuple[str, str]:
    """Run the snippet in bash with the status code appended after the body."""
    out = subprocess.run(["bash", "-c", snippet + " -sS -w '\\n%{http_code}'"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    text, _, code = out.stdout.rpartition("\n")
    return text, code


@pytest.mark.parametrize("fn", [codegen.curl, codegen.python_requests, codegen.openai_sdk])
def test_key_comes_from_the_environment(fn):
    code = fn(body(), "https://api.example.com/v1", has_key=True, key_env="MY_KEY", organization="org-1")
    assert "MY_KEY" in code and KEY not in code and "org-1" in code


def test_keyless_endpoint_sends_no_authorization():
    assert "Authorization" not in codegen.curl(body(), "http://127.0.0.1:1/v1", has_key=False)
    assert "Authorization" not in codegen.python_requests(body(), "http://127.0.0.1:1/v1", has_key=False)


def test_curl_body_is_exactly_the_request():
    b = body()
    snippet = codegen.curl(b, "http://h/v1", has_key=True)
    data = shlex.split(snippet.replace("\\\n", " "))
    assert json.loads(data[data.index("-d") + 1]) == b
    assert data[1] == "http://h/v1/chat/completions"


@pytest.mark.parametrize("stream", [False, True])
def test_curl_runs_against_the_engine(engine_endpoint, stream):
    snippet = codegen.curl(body(stream), engine_endpoint.base_url, has_key=True)
    text, code = run_curl(snippet, {**os.environ, "OPENAI_API_KEY": KEY})
    assert code == "200"
    if stream:
        assert "data: [DONE]" in text and '"usage"' in text
    else:
        reply = json.loads(text)
        assert reply["choices"][0]["message"]["content"]


@pytest.mark.parametrize("stream", [False, True])
def test_python_requests_runs_against_the_engine(engine_endpoint, stream):
    snippet = codegen.python_requests(body(stream), engine_endpoint.base_url, has_key=True)
    ns: dict = {}
    os.environ["OPENAI_API_KEY"] = KEY
    try:
        exec(compile(snippet, "<snippet>", "exec"), ns)
    finally:
        del os.environ["OPENAI_API_KEY"]
    assert ns["resp"].status_code == 200
    assert ns["body"] == body(stream)  # the snippet sends exactly the request
    assert ns["resp"].request.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("stream", [False, True])
def test_openai_sdk_runs_against_the_engine(engine_endpoint, stream):
    snippet = codegen.openai_sdk(body(stream), engine_endpoint.base_url, has_key=False)
    out = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


def test_sdk_passes_unknown_fields_as_extra_body():
    b = {**body(), "min_p": 0.1}
    code = codegen.openai_sdk(b, "http://h/v1", has_key=True)
    assert "extra_body={'min_p': 0.1}" in code
