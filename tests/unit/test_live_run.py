"""The one live-run mechanism on the fault server: state always current without pumping,
cancel keeps partial text and closes the upstream request, fan-out, the session watchdog."""
from __future__ import annotations

import threading
import time


from paramlab.client.chat import ChatClient
from paramlab.runs import run as runs
from paramlab.runs import watchdog
from paramlab.runs.live import LiveRun
from paramlab.runs.parallel import Job, Task, TaskFailed
from paramlab.safety.redaction import Secret
from paramlab.settings import Endpoint

from support.fault_server import Reply, completion
from support.paced import Paced


def client(fs) -> ChatClient:
    return ChatClient(Endpoint("fault", fs.base_url))


def body(**extra) -> dict:
    return {"model": "fault-model", "messages": [{"role": "user", "content": "hi"}], "stream": True, **extra}


def test_text_is_current_without_anyone_pumping(fs):
    slow = Paced([f"w{i} " for i in range(20)], pause=0.02)
    fs.script(slow)
    run = LiveRun([Job(client(fs), body())])
    deadline = time.monotonic() + 10
    while "w3" not in run.text(0):  # the workers write it; nobody drains a queue
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert run.live and run.streaming(0)
    results = run.wait(10)
    assert run.finished and results[0].status == "ok"
    assert run.text(0) == "".join(f"w{i} " for i in range(20)) == results[0].choices[0].text


def test_cancel_keeps_partial_text_and_closes_the_upstream_request(fs):
    slow = Paced([f"w{i} " for i in range(400)], pause=0.02)
    fs.script(slow)
    run = LiveRun([Job(client(fs), body())])
    while "w5" not in run.text(0):
        time.sleep(0.01)
    run.cancel()
    result = run.wait(5)[0]
    assert run.finished and result.status == "stopped" and "kept" in result.error
    assert result.choices[0].text.startswith("w0 w1 w2 w3 w4 w5")
    assert slow.hung_up.wait(5), "the server was still sending after cancel()"
    assert not slow.finished.is_set() and slow.sent < 400


def test_a_run_whose_owner_is_gone_is_cancelled_by_the_watchdog(fs):
    slow = Paced([f"w{i} " for i in range(400)], pause=0.02)
    fs.script(slow)
    here = threading.Event()
    here.set()
    run = LiveRun([Job(client(fs), body())])
    watchdog.watch(run, here.is_set)
    while "w3" not in run.text(0):
        time.sleep(0.01)
    time.sleep(2 * watchdog.CHECK_EVERY_S)
    assert run.live, "a run whose session is still there keeps running"
    here.clear()  # the browser session ended
    result = run.wait(5)[0]
    assert result.status == "stopped" and result.error.startswith(watchdog.SESSION_ENDED)
    assert result.choices[0].text.startswith("w0 w1 w2 w3")
    assert slow.hung_up.wait(5) and slow.sent < 400


def test_cancel_before_a_job_starts_sends_nothing(fs):
    fs.script(Paced(["a"] * 200, pause=0.02))
    run = LiveRun([Job(client(fs), body()), Job(client(fs), body())], max_workers=1)
    while not run.text(0):
        time.sleep(0.01)
    run.cancel()
    first, second = run.wait(5)
    assert first.status == "stopped" and second.status == "stopped"
    assert second.error == "cancelled before it started" and fs.count == 1


def test_fan_out_fills_missing_choices_in_the_same_run(fs):
    """A server that ignores n: the run asks for the missing choices and says so."""
    fs.script(Reply(200, completion("one", n=1)), Reply(200, completion("two")), Reply(200, completion("three")))
    run = runs.start(client(fs), {**body(stream=None), "n": 3}, "openai")
    run.live.wait(10)
    assert run.live.finished and run.status == "done" and fs.count == 3
    assert run.slots[0].text == "one" and sorted(s.text for s in run.slots[1:]) == ["three", "two"]
    assert any("2 more request(s)" in n for n in run.notes)


def test_stop_marks_every_choice_and_keeps_its_text(fs):
    fs.script(Paced(["x "] * 300, pause=0.02))
    run = runs.start(client(fs), body(), "openai")
    while not run.slots[0].text:
        time.sleep(0.01)
    run.stop()
    run.live.wait(5)
    assert run.status == "stopped" and run.slots[0].status == "stopped" and run.slots[0].text.startswith("x")


def test_a_task_that_raises_still_ends_the_run():
    def boom(cancelled):
        raise ValueError("bug")
    run = LiveRun([Task(boom), Task(lambda cancelled: 42)])
    assert run.wait(5) == [TaskFailed("ValueError: bug"), 42] and run.finished


def test_an_empty_run_is_finished():
    assert LiveRun([]).finished


def test_a_pickled_run_keeps_what_was_received_and_no_client(fs):
    """Session state may be pickled: the run's text and results survive, its threads and key do not."""
    import pickle
    fs.script(Paced(["a ", "b"], pause=0.01))
    secret = "sk-live-run-pickle-secret-1234"
    run = runs.start(ChatClient(Endpoint("fault", fs.base_url, api_key=Secret(secret))), body(), "openai")
    run.live.wait(10)
    assert run.slots[0].text == "a b", run.results
    data = pickle.dumps({"pl.run": run, "cmp.run": run.live})
    assert secret.encode() not in data
    back = pickle.loads(data)
    assert back["pl.run"].slots[0].text == "a b" and not hasattr(back["pl.run"], "live")
    assert back["cmp.run"].finished and back["cmp.run"].text(0) == "a b"


def test_a_spoken_replys_transcript_is_current_in_the_run_and_its_slot(fs):
    """An audio-only stream: the live run and the Playground's slot hear the transcript piece by
    piece (their text stays empty), and the finished choice carries the audio."""
    from support.scripted import audio_stream, pcm16
    fs.script(audio_stream(pcm16(), "Hello from the audio model.", pieces=3))
    run = runs.start(client(fs), body(modalities=["text", "audio"], audio={"voice": "alloy", "format": "pcm16"}),
                     "other", None, {"page": "test"})
    run.live.wait(10)
    assert run.live.transcripts(0) == {0: "Hello from the audio model."} and run.live.choices(0) in ({}, {0: ""})
    assert run.slots[0].spoken == "Hello from the audio model." and run.slots[0].text == ""
    assert run.results[0]["choices"][0]["audio"]["transcript"] == "Hello from the audio model."
