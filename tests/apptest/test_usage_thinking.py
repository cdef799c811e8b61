"""The Usage drill-down shows each reply's recorded thinking in a collapsed "Thinking" block
above that reply (a real DeepSeek reply, recorded by the ledger), and nothing for a reply
recorded without thinking."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from paramlab.client.result import ChatResult, Choice, Usage
from paramlab.settings import Endpoint
from support.recorded import CORPUS, load

REC = load(CORPUS / "deepseek__nonstream-reasoner-reasoning-content.json")


def drill_down(url: str, request_id: int) -> None:
    from components.usage import tables
    from paramlab.usage.ledger import Ledger
    tables.detail(Ledger.open(url), request_id)


def test_the_drill_down_shows_each_replys_thinking_above_it(tmp_path):
    from paramlab.usage.ledger import Ledger
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    led = Ledger.open(url)
    (want,) = REC["expect"]["choices"]
    ep = Endpoint(name="DeepSeek", base_url="https://api.deepseek.com/v1", backend="openai")
    res = ChatResult(status="ok", choices=[Choice(0, want["text"], finish_reason="stop", reasoning=want["reasoning"]),
                                           Choice(1, "A second choice that did not think.", finish_reason="stop")],
                     usage=Usage(6, 40, 46, reasoning_tokens=31), model="deepseek-reasoner",
                     request={"model": "deepseek-reasoner", "n": 2, "messages": [{"role": "user", "content": "Hello"}]})
    assert led.record(ep, res, {"page": "playground"})
    led.close()

    at = AppTest.from_function(drill_down, args=(url, 1), default_timeout=30).run()
    assert not at.exception
    (block,) = [e for e in at.expander if e.label.startswith("Thinking")]
    assert block.label == f"Thinking ({len(want['reasoning'].split())} words)"
    assert block.proto.expanded is False  # collapsed: the reply comes first to the eye
    assert want["reasoning"].split("\n")[0].strip() in block.markdown[0].value
    # the block sits in the first reply's chat message, before that reply's text
    first, second = [m for m in at.chat_message if m.name == "assistant"]
    order = [type(el).__name__ for el in first.children.values()]
    assert order.index("Expander") < max(i for i, el in enumerate(first.children.values())
                                         if getattr(el, "value", None) == want["text"])
    assert not [c for c in second.children.values() if type(c).__name__ == "Expander"]
    assert any(m.value == "A second choice that did not think." for m in second.markdown)
