"""The web pages a search-backed reply cites, whichever way the server sent them.

- OpenAI (web_search_options, search models) and OpenRouter: `message.annotations` entries
  `{"type": "url_citation", "url_citation": {"url", "title", "start_index", "end_index"}}`, per
  choice (assembly keeps them among the choice's extra parts).
- Perplexity: beside the choices, `citations` (URLs; the reply's [1], [2] count from the first)
  and `search_results` (`{"title", "url", "date"}`, the title and date shown); assembly gives
  every choice a copy as parts of type "citation".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CITATION = "citation"  # the part type assembly gives Perplexity's top-level sources


@dataclass(frozen=True)
class Source:
    url: str
    title: str = ""
    date: str = ""  # the page's publication date where the server gave one (Perplexity's search_results)


def response_sources(payload: Any) -> list[dict]:
    """Perplexity's top-level sources as choice parts: the citations in order, titled from the
    search results where they match (the search results alone when there are no citations)."""
    if not isinstance(payload, dict):
        return []
    results = [r for r in payload.get("search_results") or () if isinstance(r, dict) and _url(r.get("url"))]
    titles = {r["url"]: r.get("title") for r in results if isinstance(r.get("title"), str)}
    dates = {r["url"]: r.get("date") for r in results if isinstance(r.get("date"), str) and r["date"].strip()}
    urls = [u for u in payload.get("citations") or () if _url(u)] or [r["url"] for r in results]
    return [{"type": CITATION, "url": u, **({"title": titles[u]} if titles.get(u) else {}),
             **({"date": dates[u].strip()} if u in dates else {})} for u in urls]


def of_parts(parts: list[dict]) -> list[Source]:
    """A choice's cited pages, first mention first, each URL once."""
    out: dict[str, Source] = {}
    for p in parts or ():
        if not isinstance(p, dict):
            continue
        src = p.get("url_citation") if p.get("type") == "url_citation" else p if p.get("type") == CITATION else None
        if isinstance(src, dict) and _url(src.get("url")) and src["url"] not in out:
            title, date = src.get("title"), src.get("date")
            out[src["url"]] = Source(src["url"], title.strip() if isinstance(title, str) else "",
                                     date.strip() if isinstance(date, str) else "")
    return list(out.values())


def _url(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())
