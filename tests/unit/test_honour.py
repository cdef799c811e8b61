"""“What does this endpoint honour?” against the embedded engine (llama.cpp) and against a scripted
server that silently ignores logit_bias, n and seed and rejects json_schema."""
from __future__ import annotations

import pytest

from paramlab.client.chat import ChatClient
from paramlab.experiments import honour
from paramlab.settings import Endpoint
from tests.support import scripted_server

STANDARD = ["logprobs", "top_logprobs", "logit_bias", "max_tokens", "stop", "seed", "n", "max_completion_tokens",
            "response_format json_object", "response_format json_schema", "stream_options",
            "tools + tool_choice required"]


def verdicts(report: honour.Report) -> dict[str, str]:
    return {v.param: v.verdict for v in report.verdicts}


@pytest.fixture(scope="module")
def scripted():
    srv = scripted_server.serve()
    yield srv
    srv.shutdown()


def test_the_scripted_server_matrix_says_exactly_what_it_does(scripted, tmp_path):
    ep = Endpoint("scripted", f"http://127.0.0.1:{scripted.server_address[1]}/v1", backend="other")
    report = honour.run(ChatClient(ep).run, "scripted", "other")
    got = verdicts(report)
    expected = {p: "honoured" for p in STANDARD}
    expected.update({"logit_bias": "ignored", "n": "ignored", "seed": "ignored",
                     "response_format json_schema": "rejected", "top_k": "n/a", "min_p": "n/a"})
    assert got == expected
    assert "json_schema is not supported" in report.verdict("response_format json_schema").detail
    assert report.requests <= honour.MAX_REQUESTS and len(scripted.bodies) == report.requests
    assert report.fingerprint["system_fingerprint"] == "fp_scripted"
    # kept in the data dir with the date, and read back for the panel's notes
    honour.save(report, ep.base_url, tmp_path)
    again = honour.load(ep.base_url, "scripted", tmp_path)
    assert again.note("seed") == f"ignored by this endpoint (checked {report.date})"
    assert again.note("response_format") == f"rejected (json_schema) by this endpoint (checked {report.date})"
    assert again.note("temperature") is None and again.note("stop") is None


def test_the_embedded_engine_honours_what_llamacpp_honours(engine_endpoint):
    report = honour.run(ChatClient(engine_endpoint).run, engine_endpoint.models[0], "embedded")
    got = verdicts(report)
    # SmolLM2's chat template has no tool support, so llama.cpp answers in text: the only gap
    assert got == {**{p: "honoured" for p in STANDARD}, "tools + tool_choice required": "ignored",
                   "top_k": "honoured", "min_p": "honoured"}
    assert report.requests == 15 <= honour.MAX_REQUESTS


def test_the_plan_stays_within_sixteen_cheap_requests():
    for backend in ("embedded", "vllm", "other"):
        bodies = honour.plan("m", backend)
        assert len(bodies) <= honour.MAX_REQUESTS
        assert all((b.get("max_tokens") or b.get("max_completion_tokens")) <= 40 for b in bodies)


def test_probing_a_live_llamacpp_server_finds_it(engine_endpoint):
    from dataclasses import replace

    from paramlab.backends import detection, registry
    ep = replace(engine_endpoint, embedded=False, backend="auto", name="probe me")
    assert registry.kind_of(ep) == "other"  # a loopback port says nothing
    found = detection.probe(ep)
    assert found.detection.kind == "llamacpp" and found.errors == []
    assert "/props" in found.detection.evidence and found.props["total_slots"] >= 1
    assert registry.kind_of(ep) == "llamacpp"  # remembered for its base URL


def test_probing_the_scripted_server_keeps_the_url_guess(scripted):
    from paramlab.backends import detection
    ep = Endpoint("s", f"http://127.0.0.1:{scripted.server_address[1]}/v1")
    found = detection.probe(ep)
    assert found.detection.kind == "other" and found.models["data"][0]["id"] == "scripted"
    assert any(e.startswith("/props:") for e in found.errors)
