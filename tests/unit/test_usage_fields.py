"""Usage sub-fields as real servers send them (bodies from /work/shared/corpus recordings)."""
from paramlab.client.assembly import ChunkAssembler
from paramlab.client.result import ChatResult, Usage

# openai__nonstream-n2-pretty-json-gzip.json
OPENAI = {"prompt_tokens": 11, "completion_tokens": 29, "total_tokens": 40,
          "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                        "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
# deepseek__stream-reasoner-reasoning-content.json
DEEPSEEK = {"prompt_tokens": 6, "completion_tokens": 212, "total_tokens": 218,
            "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 198},
            "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 6}


def test_every_openai_detail_is_read():
    u = Usage.from_api({**OPENAI, "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": 2},
                        "completion_tokens_details": {"reasoning_tokens": 7, "audio_tokens": 5,
                                                      "accepted_prediction_tokens": 4,
                                                      "rejected_prediction_tokens": 6}})
    assert (u.prompt_tokens, u.completion_tokens, u.total_tokens) == (11, 29, 40)
    assert (u.cached_tokens, u.audio_input_tokens) == (3, 2)
    assert (u.reasoning_tokens, u.audio_output_tokens) == (7, 5)
    assert (u.accepted_prediction_tokens, u.rejected_prediction_tokens) == (4, 6)
    assert u.cache_write_tokens is None


def test_zero_details_are_zero_and_missing_ones_unknown():
    u = Usage.from_api(OPENAI)
    assert (u.cached_tokens, u.audio_input_tokens, u.reasoning_tokens, u.audio_output_tokens) == (0, 0, 0, 0)
    bare = Usage.from_api({"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6})
    assert (bare.cached_tokens, bare.reasoning_tokens, bare.cache_write_tokens, bare.audio_output_tokens) == (
        None, None, None, None)


def test_provider_spellings_of_cache_reads_and_writes():
    assert Usage.from_api({**DEEPSEEK, "prompt_tokens_details": None, "prompt_cache_hit_tokens": 4}).cached_tokens == 4
    assert Usage.from_api(DEEPSEEK).reasoning_tokens == 198
    anthropic = Usage.from_api({"prompt_tokens": 900, "completion_tokens": 10, "total_tokens": 910,
                                "cache_creation_input_tokens": 600, "cache_read_input_tokens": 200})
    assert (anthropic.cached_tokens, anthropic.cache_write_tokens) == (200, 600)
    openrouter = Usage.from_api({"prompt_tokens": 900, "completion_tokens": 10,
                                 "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 850}})
    assert (openrouter.cached_tokens, openrouter.cache_write_tokens) == (0, 850)
    # Hugging Face router (huggingface__nonstream-router-simple.json) puts cached_tokens at the top
    assert Usage.from_api({"cached_tokens": 0, "completion_tokens": 197, "prompt_tokens": 4,
                           "total_tokens": 201}).cached_tokens == 0


def test_nonsense_counts_are_unknown_not_zero():
    u = Usage.from_api({"prompt_tokens": "many", "completion_tokens": -3, "total_tokens": True,
                        "prompt_tokens_details": "x", "completion_tokens_details": {"reasoning_tokens": None}})
    assert (u.prompt_tokens, u.completion_tokens, u.total_tokens, u.cached_tokens, u.reasoning_tokens) == (
        None, None, None, None, None)


def test_per_choice_usage_adds_completion_parts_and_keeps_prompt_parts_once():
    a = Usage(10, 5, 15, 4, 2, cache_write_tokens=3, audio_input_tokens=1, audio_output_tokens=2,
              accepted_prediction_tokens=1, rejected_prediction_tokens=1)
    b = Usage(10, 7, 17, 4, 3, audio_output_tokens=1, rejected_prediction_tokens=2)
    s = a.add(b)
    assert (s.prompt_tokens, s.completion_tokens, s.total_tokens) == (10, 12, 22)
    assert (s.cached_tokens, s.cache_write_tokens, s.audio_input_tokens) == (4, 3, 1)
    assert (s.reasoning_tokens, s.audio_output_tokens) == (5, 3)
    assert (s.accepted_prediction_tokens, s.rejected_prediction_tokens) == (1, 3)


def test_service_tier_from_stream_chunks_and_round_trip():
    asm = ChunkAssembler()
    asm.add({"id": "c", "choices": [{"index": 0, "delta": {"content": "hi"}}], "service_tier": "flex"})
    asm.add({"id": "c", "choices": [], "usage": OPENAI, "service_tier": None})
    assert asm.service_tier == "flex"
    r = ChatResult(usage=Usage.from_api(OPENAI), service_tier="priority")
    back = ChatResult.from_dict(r.to_dict())
    assert back.service_tier == "priority" and back.usage == r.usage
    # a session saved before these fields existed still loads
    old = r.to_dict()
    old["usage"] = {k: old["usage"][k] for k in ("prompt_tokens", "completion_tokens", "total_tokens",
                                                 "cached_tokens", "reasoning_tokens", "estimated")}
    old.pop("service_tier")
    assert ChatResult.from_dict(old).usage.audio_output_tokens is None
