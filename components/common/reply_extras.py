"""What a reply pane shows beyond the text: tool-call cards (arguments checked against the
tool's schema, "Answer" with typed or mock results), the structured-output verdict, a spoken
reply with its transcript, the web pages a search-backed reply cites, and the "untick <param>
and resend" offer after an unsupported-parameter 400. The page passes the actions it supports
(answering, resending)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from components.common import state, words
import streamlit as st

from paramlab.request import reasoning_models, reply_audio, structured
from paramlab.request import tools as toolslib
from paramlab.client import sources
from paramlab.client.result import finish_note
from paramlab.runs.run import Run
from paramlab.safety.markdown import literal, safe_markdown, web_link


@dataclass
class Actions:
    answer: Callable[[int, list[str]], None] | None = None  # (pane position, results in call order)
    resend_without: Callable[[str], None] | None = None     # (parameter to untick)


def choice_of(run: Run, pos: int) -> dict | None:
    """The finished choice behind pane `pos` (as ChatResult.to_dict stores it)."""
    if pos >= len(run.slots):
        return None
    s = run.slots[pos]
    res = run.results[s.job] if s.job < len(run.results) else None
    return next((c for c in (res or {}).get("choices") or () if c.get("index", 0) == s.index), None)


def tool_calls_of(run: Run, pos: int) -> list[dict]:
    return list((choice_of(run, pos) or {}).get("tool_calls") or [])


def _tools_of(body: dict) -> list[dict]:
    """The request's tools; the legacy functions list counts as tools too."""
    return body.get("tools") or [{"type": "function", "function": f} for f in body.get("functions") or []]


def pane(run: Run, pos: int, key: str, actions: Actions | None = None) -> None:
    """The extras under one pane's text."""
    if pos >= len(run.slots):
        return
    s = run.slots[pos]
    body = run.bodies[s.job] if s.job < len(run.bodies) else {}
    choice = choice_of(run, pos) or {}
    calls = list(choice.get("tool_calls") or [])
    if calls:
        tool_cards(calls, _tools_of(body), f"{key}.tc{pos}",
                   answer=(lambda results, pos=pos: actions.answer(pos, results)) if actions and actions.answer else None)
    if s.status == "ok" and not calls:
        verdict_badge(structured.check_reply(s.text, body.get("response_format")))
    fmt = reply_audio.requested_format(body)
    if fmt and s.status != "error":
        audio_player(reply_audio.of_choice(choice.get("audio"), fmt))
    cited(choice.get("extra_parts") or [])


def cited(parts: list[dict]) -> None:
    """The pages a search-backed reply cites, numbered as its [1], [2] marks count them."""
    found = sources.of_parts(parts)
    if found:
        st.caption("Sources: " + " · ".join(f"{literal(f'[{i}]')} {web_link(s.title, s.url)}"
                                            + (f" {literal(f'({s.date})')}" if s.date else "")
                                            for i, s in enumerate(found, 1)))


def verdict_badge(v: structured.Verdict | None) -> None:
    if v is None:
        return
    what = "the JSON schema" if v.kind == "json_schema" else "a JSON object"
    if v.valid:
        st.success(f"Structured output: valid against {what}.", icon="✅")
    else:
        st.error(f"Structured output: {v.label} — {v.error}", icon="❌")


KEPT = "pl.kept."  # + a tool-result box's key: its text, kept while the page is left


def tool_cards(calls: list[dict], tools: list[dict], key: str,
               answer: Callable[[list[str]], None] | None = None) -> None:
    """One card per call; with `answer`, a result box per call and one button answering all."""
    st.markdown(f"**The model asked to call {words.count(len(calls), 'tool')}:**")
    for i, tc in enumerate(calls):
        c = toolslib.check_call(tc, tools)
        with st.container(border=True, key=f"{key}-card-{i}"):
            st.markdown(f"🛠️ **{c.name or '(no name)'}**  \n`{c.id or 'no id'}`")
            st.code(c.pretty or "(no arguments)", language="json" if c.parses else None)
            if c.valid:
                st.caption(":green[✓ arguments parse and match the tool's schema]")
            else:
                st.caption(f":red[✗ {c.verdict}: {c.error}]")
            if answer is not None:
                rkey = f"{key}.result{i}"
                st.text_area(f"Result of {c.name} ({c.id or f'call {i + 1}'})", key=rkey, height=70,
                             placeholder='what the tool returned, e.g. {"temperature": 18}',
                             **state.bind(rkey, _kept(rkey, tc)))  # typed results outlive a page switch
                st.button("Fill with a mock result", key=f"{key}.mock{i}", type="tertiary",
                          icon=":material/auto_fix_high:", on_click=_mock, args=(rkey, tc, tools),
                          help="A made-up result generated from the tool's schema.")
    if answer is not None:
        n = len(calls)
        st.button(f"Answer {'all ' + str(n) + ' calls' if n > 1 else 'this call'} and continue", type="primary",
                  key=f"{key}.answer", on_click=_answer, args=(key, n, answer),
                  help="Adds the assistant turn with its tool calls and one tool turn per call, then sends.")
        if st.session_state.get(f"{key}.answer_error"):
            st.error(st.session_state[f"{key}.answer_error"])


def _kept(rkey: str, tc: dict) -> str:
    """Where a result box's text is kept: by the call's id too, so a later reply's calls (drawn
    under the same widget keys) never start from an earlier call's result."""
    return f"{KEPT}{rkey}.{tc.get('id') or ''}"


def _mock(rkey: str, tc: dict, tools: list[dict]) -> None:
    st.session_state[rkey] = st.session_state[_kept(rkey, tc)] = toolslib.mock_result(tc, tools)


def _answer(key: str, n: int, answer: Callable[[list[str]], None]) -> None:
    results = [st.session_state.get(f"{key}.result{i}", "") for i in range(n)]
    missing = [str(i + 1) for i, r in enumerate(results) if not r.strip()]
    if missing:
        st.session_state[f"{key}.answer_error"] = (f"tool results: call {', '.join(missing)} has no result "
                                                   f"— type one or fill it with a mock")
        return
    st.session_state.pop(f"{key}.answer_error", None)
    for k in [k for k in st.session_state if str(k).startswith(f"{KEPT}{key}.result")]:
        del st.session_state[k]  # answered: the results are in the conversation now
    answer(results)


def spoken_text(run: Run, pos: int) -> str:
    """The transcript of pane `pos`'s spoken reply ("" when it has none): the text an audio-only
    reply takes into the conversation."""
    return ((choice_of(run, pos) or {}).get("audio") or {}).get("transcript") or ""


def audio_player(audio: reply_audio.ReplyAudio | None, transcript: bool = True) -> None:
    """The reply's audio, playable, and its transcript (left out where the transcript is the
    text already shown, as in a conversation turn)."""
    if audio is None:
        st.caption(":orange[Audio was asked for, but the reply carried none.]")
        return
    if audio.data:
        st.audio(audio.playable(), format=audio.mime)
    else:
        st.caption(":orange[The reply's transcript came without its audio.]")
    if transcript:
        st.caption("Transcript")
        st.markdown(safe_markdown(audio.transcript) if audio.transcript else "_(no transcript)_")


def _sent_images(body: dict) -> bool:
    return any(isinstance(m.get("content"), list) and any(p.get("type") == "image_url" for p in m["content"]
                                                         if isinstance(p, dict)) for m in body.get("messages") or ())


def failures(run: Run, key: str, actions: Actions | None = None) -> None:
    """What to do about a failed request: an image the model cannot see is explained; after a
    400 naming an unsupported parameter, offer to untick it and resend."""
    for r, body in zip(run.results, run.bodies):
        if r and r.get("status") == "error" and "image" in (r.get("error") or "").lower() and _sent_images(body):
            st.info("The request carried an image and the server refused it (its message is above): this model "
                    "has no vision. Remove the image from the turn, or choose a vision model.", icon="🖼️")
            break
    if actions is None or actions.resend_without is None:
        return
    offered: set[str] = set()
    for r in run.results:
        u = reasoning_models.unsupported_in(r)
        if u is None or u.param in offered:
            continue
        offered.add(u.param)
        if u.remedy is None:  # e.g. messages[0].role: no parameter to untick, the conversation must change
            st.info(f"The server refused **{u.field}** ({u.code}). Nothing to untick: change that part of the "
                    f"conversation (messages[0] is the system prompt when one is set) and send again.",
                    icon="✏️")
            continue
        st.button(u.remedy, key=f"{key}.untick.{u.param}", icon=":material/replay:",
                  on_click=actions.resend_without, args=(u.param,),
                  help=f"The server answered {u.code}: {u.message}")


def summary(calls: list[dict], tools: list[dict] | None) -> str:
    """'2 tool calls, 1 valid' for compact panes (Compare, Sweep)."""
    valid, total = toolslib.count_valid(calls, tools)
    return f"{words.count(total, 'tool call')}, {valid} valid"


def compact_calls(calls: list[dict], tools: list[dict] | None, key: str) -> None:
    """Tool calls in a narrow pane: name, arguments and the verdict, no answering."""
    st.caption(summary(calls, tools))
    for tc in calls:
        c = toolslib.check_call(tc, tools)
        mark = "✓" if c.valid else "✗"
        st.markdown(f"🛠️ **{c.name}** {mark}")
        st.code(c.pretty, language="json" if c.parses else None)
        if not c.valid:
            st.caption(f":red[{c.verdict}: {c.error}]")


def result_extras(result: Any, key: str) -> None:
    """Tool calls and the structured-output verdict of a finished ChatResult (Compare, Sweep)."""
    body = result.request or {}
    fmt = reply_audio.requested_format(body)
    for c in result.choices:
        if fmt and result.status != "error":
            audio_player(reply_audio.of_choice(c.audio, fmt))
        if c.tool_calls:
            compact_calls(c.tool_calls, _tools_of(body), f"{key}.{c.index}")
        elif result.status == "ok":
            verdict_badge(structured.check_reply(c.text, body.get("response_format")))
        cited(c.extra_parts)


def finish_caption(reasons: list[str | None], status: str = "ok") -> None:
    """The finish_reason line under a reply (several choices: each one's, then what the first means)."""
    notes = [finish_note(r, status) for r in reasons] or [("—", "")]
    shown = ", ".join(n[0] for n in notes)
    st.caption(f"finish_reason **{shown}** — {notes[0][1]}" if notes[0][1] else f"finish_reason **{shown}**")
