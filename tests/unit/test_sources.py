"""The pages a search-backed reply cites: Perplexity's recorded reply through the real client, the
streamed shape (every chunk repeats the citations) and OpenAI's url_citation annotations (the
Markdown they become: test_safe_text.py)."""
from __future__ import annotations

import json

from paramlab.client import sources
from paramlab.client.chat import ChatClient, Timeouts
from paramlab.settings import Endpoint
from support.fault_server import FaultServer, Reply, Stream
from support.recorded import CORPUS, load

PPLX = "perplexity__nonstream-sonar-citations-cost-delta-in-message.json"


def run(behaviour, stream: bool):
    with FaultServer(behaviour) as fs:
        r = ChatClient(Endpoint(name="t", base_url=fs.base_url, backend="openai"),
                       timeouts=Timeouts(connect=2, read=5, total=20)).run(
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": stream})
    assert r.status == "ok", r.error
    return r


def test_perplexitys_recorded_citations_are_titled_from_its_search_results():
    rec = load(CORPUS / PPLX)
    r = run(Reply(200, rec["body"].encode(), {}, rec["headers"]["content-type"]), stream=False)
    body = json.loads(rec["body"])
    assert sources.of_parts(r.choices[0].extra_parts) == [
        sources.Source(u, *next((x["title"], x["date"]) for x in body["search_results"] if x["url"] == u))
        for u in body["citations"]]
    assert sources.of_parts(r.choices[0].extra_parts)[1].date == "2015-09-08"  # the page's, not today's
    assert len(body["citations"]) == 2


def test_a_stream_that_repeats_its_citations_in_every_chunk_lists_each_once():
    def chunk(text, finish=None):
        return "data: " + json.dumps({"id": "p", "model": "sonar", "citations": ["https://a.example/", "https://b.example/"],
                                      "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]})
    r = run(Stream([f"{chunk('See [1]')}\n\n{chunk(' and [2].', 'stop')}\n\ndata: [DONE]\n\n".encode()]), stream=True)
    assert r.choices[0].text == "See [1] and [2]."
    assert [s.url for s in sources.of_parts(r.choices[0].extra_parts)] == ["https://a.example/", "https://b.example/"]


def test_openai_url_citations_once_each_in_order_of_mention():
    ann = [{"type": "url_citation", "url_citation": {"url": u, "title": t, "start_index": 0, "end_index": 1}}
           for u, t in (("https://b.example/", "B"), ("https://a.example/", "A"), ("https://b.example/", "B again"))]
    r = run(Reply(200, {"id": "x", "object": "chat.completion", "model": "gpt-4o-search-preview", "choices": [{
        "index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "B, then A.", "annotations": ann}}]}),
        stream=False)
    assert sources.of_parts(r.choices[0].extra_parts) == [sources.Source("https://b.example/", "B"),
                                                          sources.Source("https://a.example/", "A")]
    assert sources.of_parts([{"type": "url_citation", "url_citation": {"url": ""}}, "junk", {"type": "citation"}]) == []


def test_openais_recorded_search_reply_lists_its_cited_pages_once_each():
    # gpt-4o-search-preview, recorded: seven url_citation annotations, the first page cited again
    # last (five pages); each one's offsets (code points) cover the Markdown link the text holds.
    rec = load(CORPUS / "openai__nonstream-search-preview-url-citation-annotations.json")
    r = run(Reply(200, rec["body"].encode(), {}, rec["headers"]["content-type"]), stream=False)
    ann = json.loads(rec["body"])["choices"][0]["message"]["annotations"]
    urls = list(dict.fromkeys(a["url_citation"]["url"] for a in ann))
    assert len(ann) == 7 and len(urls) == 5
    assert [s.url for s in sources.of_parts(r.choices[0].extra_parts)] == urls
    assert all(s.title for s in sources.of_parts(r.choices[0].extra_parts))
    text = r.choices[0].text
    for a in ann:
        c = a["url_citation"]
        assert c["url"] in text[c["start_index"]:c["end_index"]]
