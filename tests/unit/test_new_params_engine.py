"""Today's parameters on the embedded llama.cpp engine (SmolLM2-135M): json_schema is enforced
(llama.cpp turns it into a grammar) so the reply validates; an image sent to this text-only
model comes back as the server's own error, whole; the developer role and the OpenAI-only
fields are accepted; and what the engine does with tools (this model's chat template has no
tool support, so llama.cpp drops them: no tool calls, a text reply) is pinned down."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from paramlab.request import structured
from paramlab.request import tools as toolslib
from paramlab.request.schema import build_body

pytestmark = pytest.mark.engine

MODEL = "smollm2-135m-instruct"
PERSON = {"type": "json_schema", "json_schema": structured.EXAMPLES["person"]}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("stream", [False, True])
def test_json_schema_reply_validates(engine_client, seed, stream):
    body = build_body(MODEL, [{"role": "user", "content": "Describe a person as JSON."}],
                      {"response_format": PERSON, "max_tokens": 150, "seed": seed, "temperature": 0.8,
                       "stream": stream or None})
    res = engine_client.run(body)
    assert res.status == "ok", res.error
    verdict = structured.check_reply(res.choices[0].text, PERSON)
    assert verdict.valid, (res.choices[0].text, verdict.error)
    assert set(verdict.value) == {"name", "age"} and verdict.value["age"] >= 0


def test_without_the_schema_the_same_prompt_is_not_valid_json(engine_client):
    """The check can fail: unconstrained, this model does not write the person object."""
    body = build_body(MODEL, [{"role": "user", "content": "Describe a person as JSON."}],
                      {"max_tokens": 80, "seed": 1, "temperature": 0})
    res = engine_client.run(body)
    assert not structured.check_reply(res.choices[0].text, PERSON).valid


def test_an_image_to_a_model_without_vision_gives_the_servers_error(engine_client):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 255)).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    body = build_body(MODEL, [{"role": "user", "content": [
        {"type": "text", "text": "What colour is this?"}, {"type": "image_url", "image_url": {"url": url}}]}],
        {"max_tokens": 8})
    res = engine_client.run(body)
    assert res.status == "error"
    assert "image input is not supported" in res.error  # llama.cpp's own words, not a generic failure
    assert res.error_info["status"] == 500


def test_developer_role_and_openai_only_fields_are_accepted(engine_client):
    body = build_body(MODEL, [{"role": "developer", "content": "Answer in one word."},
                              {"role": "user", "content": "Name a fruit."}],
                      {"max_tokens": 8, "temperature": 0, "verbosity": "low", "service_tier": "auto",
                       "store": False, "metadata": {"run": "1"}, "prompt_cache_key": "k", "safety_identifier": "u",
                       "prompt_cache_retention": "24h",
                       "prediction": {"type": "content", "content": "Apple"}, "reasoning_effort": "low",
                       "web_search_options": {"search_context_size": "low"},
                       "modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}})
    res = engine_client.run(body)
    assert res.status == "ok" and res.choices[0].text.strip()


@pytest.mark.parametrize("tool_choice", ["auto", "required"])
def test_this_model_cannot_call_tools(engine_client, tool_choice):
    """SmolLM2's chat template has no tool support (llama.cpp reports supports_tools false), and
    llama.cpp then leaves the tools out of the prompt: the reply is text, never a tool call. The
    README says so; the tool workflow is tested against a scripted server instead."""
    body = build_body(MODEL, [{"role": "user", "content": "What is the weather in Paris?"}],
                      {"tools": [toolslib.TEMPLATES["get_weather"]], "tool_choice": tool_choice,
                       "max_tokens": 24, "temperature": 0})
    res = engine_client.run(body)
    assert res.status == "ok"
    assert res.choices[0].tool_calls == [] and res.choices[0].finish_reason != "tool_calls"
    assert res.choices[0].text.strip()
