"""Citations: one number per cited place, its quotes together, public pages as links."""

from __future__ import annotations

from service.domain import Source
from service.render.citations import Citations

CELL = Source("notes.md", "Comparison Table", 7, "Share the host OS kernel")
HEADER = Source("notes.md", "Comparison Table", 7, "Kernel Sharing")
OTHER_LINE = Source("notes.md", "Comparison Table", 8, "Fast (seconds or less)")
PAGE = Source("https://kubernetes.io/docs/x?a=1&b=2", "Restart <policy>", None, "10s, 20s", True)


def test_sources_quoting_one_line_share_a_number_and_marks_ascend() -> None:
    citations = Citations()

    assert citations.marks([OTHER_LINE]) == "[1]"
    assert citations.marks([CELL, HEADER, OTHER_LINE, CELL]) == "[1][2]"
    assert [(c.number, c.line, c.quotes) for c in citations.entries] == [
        (1, 8, ["Fast (seconds or less)"]),
        (2, 7, ["Share the host OS kernel", "Kernel Sharing"]),
    ]


def test_a_public_page_is_a_link_in_markdown_and_html() -> None:
    citations = Citations()
    citations.cite([PAGE, CELL])

    assert citations.markdown().splitlines() == [
        "1. <https://kubernetes.io/docs/x?a=1&b=2> (Restart \\<policy\\>; beyond the notes): "
        "“10s, 20s”",
        "2. notes.md, line 7 (Comparison Table): “Share the host OS kernel”",
    ]
    assert (
        '<li><a href="https://kubernetes.io/docs/x?a=1&amp;b=2">https://kubernetes.io/docs/x?a=1'
        "&amp;b=2</a> (Restart &lt;policy&gt;; beyond the notes): “10s, 20s”</li>"
    ) in citations.html()
