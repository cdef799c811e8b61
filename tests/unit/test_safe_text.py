"""safe_markdown: no raw HTML, no remote images, no script links; code stays literal. web_link: a
cited page with an untrusted title is a link only when it is an http(s) address."""
import pytest
from markdown_it import MarkdownIt

from paramlab.safety.markdown import safe_markdown, safe_url, web_link

# A CommonMark parser with HTML enabled stands in for the browser's renderer.
MD = MarkdownIt("commonmark").enable("table")


def tokens(md: str):
    stack = list(MD.parse(md))
    while stack:
        t = stack.pop()
        yield t
        stack.extend(t.children or ())


def assert_inert(md: str) -> None:
    for t in tokens(md):
        assert t.type not in ("image", "html_inline", "html_block"), (t.type, md)
        if t.type == "link_open":
            assert safe_url(t.attrGet("href")), md


ATTACKS = [
    "hello <script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://127.0.0.1:9/leak)",
    "![x](<http://127.0.0.1:9/a b> \"title\")",
    "![a [b] c](http://x/(y))",
    "![x][r]\n\n[r]: http://evil/img",
    "![r]\n\n[r]: http://evil/img",
    "![r][]\n\n[r]: http://evil/img",
    "[![x](http://evil/i)](http://ok)",
    "\\\\![x](http://evil/i)",
    "`a\n\n![x](http://evil/l)\n\n`",
    "> quote ![x](http://evil/q)",
    "- item ![x](http://evil/li)\n  <b>x</b>",
    "| a | b |\n|---|---|\n| ![x](http://evil/t) | <i>c</i> |",
    "[click](javascript:alert(1))",
    "[click](JaVa&#115;cript:alert(1))",
    "[click]( java\tscript:alert(1) )",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[r]: javascript:alert(1)\n\n[go][r]",
    "<javascript:alert(1)>",
    "<!-- comment --><div>block</div>",
    "~~~\nunclosed fence ![x](http://e/f) <script>",
    "```\n```\n![x](http://e/after-empty-fence)",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_attacks_are_inert(text):
    assert_inert(safe_markdown(text))


def test_script_is_shown_as_text():
    out = safe_markdown("a <script>alert(1)</script> b")
    assert "<script" not in out
    assert "&lt;script>" in out  # shown to the user, not dropped


def test_image_becomes_a_visible_note_with_its_url():
    out = safe_markdown("see ![chart](http://127.0.0.1:9/leak.png)")
    assert "image not loaded: chart" in out and "127.0.0.1:9/leak.png" in out
    assert_inert(out)


def test_safe_links_and_formatting_survive():
    text = "**bold** and [docs](https://example.com/a_(b)) and [rel](#top) and <https://x.org>"
    out = safe_markdown(text)
    assert "**bold**" in out and "[docs](https://example.com/a_(b))" in out and "[rel](#top)" in out


def test_code_stays_literal():
    text = "Use `a<b && ![x](y)` here.\n\n```html\n<script>x()</script>\n![x](http://e/l)\n```\n"
    out = safe_markdown(text)
    assert "`a<b && ![x](y)`" in out
    assert "```html\n<script>x()</script>\n![x](http://e/l)\n```" in out


def test_unsafe_link_is_named_as_removed():
    assert safe_markdown("[click](javascript:alert(1))") == "click (unsafe link removed)"


@pytest.mark.parametrize("url,ok", [("https://a", True), ("http://a", True), ("mailto:x@y", True), ("#x", True),
                                    ("/rel/path", True), ("javascript:x", False), ("JAVASCRIPT:x", False),
                                    ("java\nscript:x", False), ("vbscript:x", False), ("data:text/html,x", False),
                                    ("&#106;avascript:x", False), ("file:///etc/passwd", False)])
def test_safe_url(url, ok):
    assert safe_url(url) is ok


def test_empty():
    assert safe_markdown("") == ""


def links(md: str) -> list[str]:
    return [t.attrGet("href") for t in tokens(md) if t.type == "link_open"]


def test_a_cited_page_is_a_link_only_when_it_is_a_web_address():
    md = web_link("A [b](javascript:alert(1)) *c*", "https://x.example/a_(b)")
    assert links(md) == ["https://x.example/a_(b)"]  # the title's own link syntax stays text
    assert_inert(md)
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://a.example/x y", "https://a.example/<x>", ""):
        assert links(web_link("t", bad)) == [], bad
        assert_inert(web_link("t", bad))
