"""The exact request as code: curl, Python requests, and the openai SDK.

The body is reproduced byte for byte (as JSON). The API key is read from an environment
variable in every snippet and never inlined; a key-less endpoint gets no Authorization header.
"""
from __future__ import annotations

import json
import shlex
from typing import Any

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
# Body fields the openai SDK accepts as keyword arguments of chat.completions.create.
SDK_KWARGS = {"model", "messages", "temperature", "top_p", "n", "max_tokens", "max_completion_tokens",
              "stop", "presence_penalty", "frequency_penalty", "logit_bias", "seed", "user", "logprobs",
              "top_logprobs", "response_format", "stream", "stream_options", "tools", "tool_choice",
              "parallel_tool_calls", "metadata", "store", "reasoning_effort", "service_tier", "verbosity",
              "prediction", "prompt_cache_key", "prompt_cache_retention", "safety_identifier", "web_search_options", "modalities",
              "audio", "functions", "function_call"}


def _url(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


def curl(body: dict[str, Any], base_url: str, *, has_key: bool, key_env: str = DEFAULT_KEY_ENV,
         organization: str | None = None) -> str:
    lines = [f"curl {shlex.quote(_url(base_url))}"]
    if body.get("stream"):
        lines[0] = "curl -N " + lines[0][5:]  # -N: print events as they arrive
    lines.append("-H 'Content-Type: application/json'")
    if has_key:
        lines.append(f'-H "Authorization: Bearer ${key_env}"')
    if organization:
        lines.append(f"-H {shlex.quote('OpenAI-Organization: ' + organization)}")
    lines.append(f"-d {shlex.quote(json.dumps(body, indent=2, ensure_ascii=False))}")
    return " \\\n  ".join(lines)


def python_requests(body: dict[str, Any], base_url: str, *, has_key: bool, key_env: str = DEFAULT_KEY_ENV,
                    organization: str | None = None) -> str:
    headers = ['"Content-Type": "application/json"']
    if has_key:
        headers.append(f'"Authorization": f"Bearer {{os.environ[{key_env!r}]}}"')
    if organization:
        headers.append(f'"OpenAI-Organization": {organization!r}')
    stream = bool(body.get("stream"))
    out = [
        "import json",
        "import os",
        "",
        "import requests",
        "",
        f"body = json.loads({_py_str(json.dumps(body, indent=2, ensure_ascii=False))})",
        "resp = requests.post(",
        f"    {_url(base_url)!r},",
        "    headers={" + ", ".join(headers) + "},",
        f"    json=body,{' stream=True,' if stream else ''} timeout=300,",
        ")",
        "resp.raise_for_status()",
    ]
    if stream:
        out += [
            "for line in resp.iter_lines(decode_unicode=True):",
            "    if not line.startswith(\"data: \") or line == \"data: [DONE]\":",
            "        continue",
            "    chunk = json.loads(line[6:])",
            "    for choice in chunk.get(\"choices\", []):",
            "        print(choice[\"delta\"].get(\"content\") or \"\", end=\"\", flush=True)",
            "print()",
        ]
    else:
        out += ["for choice in resp.json()[\"choices\"]:",
                "    message = choice[\"message\"]",
                "    print(message.get(\"content\") or json.dumps(message.get(\"tool_calls\"), indent=2))"]
    return "\n".join(out) + "\n"


def openai_sdk(body: dict[str, Any], base_url: str, *, has_key: bool, key_env: str = DEFAULT_KEY_ENV,
               organization: str | None = None) -> str:
    kwargs = {k: v for k, v in body.items() if k in SDK_KWARGS}
    extra = {k: v for k, v in body.items() if k not in SDK_KWARGS}
    key = f"os.environ[{key_env!r}]" if has_key else f"os.environ.get({key_env!r}, \"not-needed\")"
    client_args = [f"base_url={base_url!r}", f"api_key={key}"]
    if organization:
        client_args.append(f"organization={organization!r}")
    call_args = "\n".join(f"    {k}={_py_value(v)}," for k, v in kwargs.items())
    if extra:
        call_args += f"\n    extra_body={_py_value(extra)},"
    out = ["import os", "", "from openai import OpenAI", "",
           f"client = OpenAI({', '.join(client_args)})",
           f"completion = client.chat.completions.create(\n{call_args}\n)"]
    if body.get("stream"):
        out += ["for chunk in completion:",
                "    for choice in chunk.choices:",
                "        print(choice.delta.content or \"\", end=\"\", flush=True)",
                "print()"]
    else:
        out += ["for choice in completion.choices:",
                "    print(choice.message.content or choice.message.tool_calls)"]
    return "\n".join(out) + "\n"


def _py_str(s: str) -> str:
    """A Python string literal for JSON text (triple-quoted when it is safe and readable)."""
    if "'''" not in s and "\\" not in s and not s.endswith("'"):
        return "'''" + s + "'''"
    return repr(s)


def _py_value(v: Any) -> str:
    """A Python literal equal to the JSON value (true/false/null spelled the Python way)."""
    return repr(v)


SNIPPETS = {"curl": (curl, "bash"), "Python requests": (python_requests, "python"),
            "openai SDK": (openai_sdk, "python")}
