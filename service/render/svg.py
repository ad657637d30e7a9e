"""Diagrams as standalone SVG: readable without JavaScript, no external fonts or images.

Every diagram is framed the same way (:func:`_frame`): a title, the drawing, then
the graph version with the permalink and the numbered sources, wrapped to the width.
Text widths are estimated (no font metrics), so long text is wrapped or shortened
with an ellipsis rather than left to overflow.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family:Helvetica,Arial,sans-serif"
BOX_W, BOX_H, GAP = 300, 46, 34
LEFT, TOP = 20, 44
CHAR_EM = 0.56  # average width of a sans-serif character, in font sizes
NOTE_SIZE, NOTE_LINE = 10, 14


@dataclass(frozen=True, slots=True)
class Box:
    title: str
    subtitle: str = ""


@dataclass(frozen=True, slots=True)
class TreeRow:
    """A box under ``parent`` (an index into the rows; -1 for the root), and its edge label."""

    parent: int
    box: Box
    label: str


@dataclass(frozen=True, slots=True)
class Moment:
    """One row of a timeline: when, who acts, what happens."""

    when: str
    actor: str
    text: str


def _chars(width: float, size: float) -> int:
    return max(4, int(width / (size * CHAR_EM)))


def _fit(text: str, width: float, size: float = 13) -> str:
    limit = _chars(width, size)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrap(text: str, width: float, size: float, max_lines: int = 0) -> list[str]:
    lines = textwrap.wrap(text, _chars(width, size)) or [""]
    if max_lines and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit(" ".join(lines[max_lines - 1 :]), width, size)]
    return lines


def _text(x: float, y: float, text: str, size: float, extra: str = "", fill: str = "#222") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" style="{FONT};font-size:{size}px{extra}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _frame(
    width: float, height: float, title: str, body: list[str], notes: Sequence[str], link: str
) -> str:
    """The SVG document: ``body`` drawn below the title, ``notes`` (sources) under it."""
    lines: list[tuple[str, bool]] = []
    for i, note in enumerate(notes):
        lines += [(line, i == 0) for line in _wrap(note, width - 2 * LEFT, NOTE_SIZE)]
    total = height + 8 + NOTE_LINE * len(lines) + 8
    foot = []
    y = height + 8
    for line, first in lines:
        y += NOTE_LINE
        text = _text(LEFT, y, line, NOTE_SIZE, fill="#555")
        foot.append(f'<a href="{escape(link)}">{text}</a>' if first and link else text)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{total:.0f}" '
        f'viewBox="0 0 {width:.0f} {total:.0f}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/>'
        "</marker></defs>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        _text(LEFT - 8, 24, _fit(title, width - 2 * LEFT, 15), 15, ";font-weight:bold"),
        *body,
        f'<line x1="{LEFT - 8}" y1="{height:.0f}" x2="{width - LEFT + 8:.0f}" y2="{height:.0f}" '
        'stroke="#ddd"/>',
        *foot,
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _box(
    x: float,
    y: float,
    box: Box,
    fill: str = "#eef3fb",
    stroke: str = "#4a6fa5",
    width: float = BOX_W,
) -> list[str]:
    out = [
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" height="{BOX_H}" rx="6" '
        f'fill="{fill}" stroke="{stroke}"/>',
        _text(x + 10, y + 19, _fit(box.title, width - 20), 13, ";font-weight:bold", "#1b2b45"),
    ]
    if box.subtitle:
        out.append(_text(x + 10, y + 36, _fit(box.subtitle, width - 20, 11), 11, fill="#445"))
    return out


def chain(
    title: str, boxes: Sequence[Box], labels: Sequence[str], notes: Sequence[str], link: str
) -> str:
    """Boxes top to bottom joined by labelled arrows (``labels[i]`` between box i and i+1)."""
    body: list[str] = []
    box_w, label_w = 420, 260
    for i, box in enumerate(boxes):
        y = TOP + i * (BOX_H + GAP)
        body += _box(LEFT, y, box, width=box_w)
        if i < len(boxes) - 1:
            y1, y2 = y + BOX_H, y + BOX_H + GAP
            body.append(
                f'<line x1="{LEFT + 40}" y1="{y1}" x2="{LEFT + 40}" y2="{y2 - 2}" stroke="#555" '
                'marker-end="url(#arrow)"/>'
            )
            label = _fit(labels[i] if i < len(labels) else "", box_w + label_w - 40, 11)
            body.append(_text(LEFT + 52, y1 + GAP / 2 + 4, label, 11, ";font-style:italic", "#333"))
    height = TOP + len(boxes) * (BOX_H + GAP) - GAP + 16
    return _frame(LEFT * 2 + box_w + label_w, height, title, body, notes, link)


def tree(title: str, root: Box, rows: Sequence[TreeRow], notes: Sequence[str], link: str) -> str:
    """A root and rows below it, each indented under its parent, as an outline diagram.

    Rows must come after their parents (depth-first order reads best).
    """
    step, indent, label_w = BOX_H + 14, 40, 320
    body = _box(LEFT, TOP, root, fill="#fbeeee", stroke="#b04a4a")
    depth: list[int] = []
    for i, row in enumerate(rows, start=1):
        level = 1 if row.parent < 0 else depth[row.parent] + 1
        depth.append(level)
        x, y = LEFT + indent * level, TOP + i * step
        parent_x = LEFT + indent * (level - 1)
        parent_bottom = TOP + (row.parent + 1) * step + BOX_H
        body.append(
            f'<path d="M{parent_x + 20},{parent_bottom} V{y + BOX_H / 2:.0f} H{x - 2}" '
            'fill="none" stroke="#555" marker-end="url(#arrow)"/>'
        )
        body += _box(x, y, row.box)
        body.append(
            _text(
                x + BOX_W + 10,
                y + 27,
                _fit(row.label, label_w, 11),
                11,
                ";font-style:italic",
                "#333",
            )
        )
    width = LEFT * 2 + indent * max(depth, default=0) + BOX_W + 10 + label_w
    height = TOP + (len(rows) + 1) * step + 2
    return _frame(width, height, title, body, notes, link)


def timeline(title: str, moments: Sequence[Moment], notes: Sequence[str], link: str) -> str:
    """A vertical timeline: time on the left, then the actor and what happens (wrapped)."""
    width, axis, text_x = 820, 100, 116
    text_w = width - text_x - LEFT
    body: list[str] = []
    y = TOP + 4
    dots = []
    for moment in moments:
        lines = _wrap(moment.text, text_w, 11, max_lines=4)
        dots.append(y)
        body += [
            f'<circle cx="{axis}" cy="{y + 2}" r="5" fill="#4a6fa5"/>',
            _text(axis - 12, y + 6, moment.when, 12, ";text-anchor:end"),
            _text(
                text_x, y + 6, _fit(moment.actor, text_w, 12), 12, ";font-weight:bold", "#1b2b45"
            ),
        ]
        body += [
            _text(text_x, y + 22 + 14 * j, line, 11, fill="#333") for j, line in enumerate(lines)
        ]
        y += 22 + 14 * len(lines) + 10
    if dots:
        body.insert(
            0,
            f'<line x1="{axis}" y1="{dots[0]}" x2="{axis}" y2="{dots[-1] + 4}" stroke="#4a6fa5" '
            'stroke-width="2"/>',
        )
    return _frame(width, y + 4, title, body, notes, link)


def message(title: str, text: str, notes: Sequence[str], link: str) -> str:
    """No drawing, only a sentence (say, "no stack path joins them")."""
    width = 620
    lines = _wrap(text, width - 2 * LEFT, 13)
    body = [_text(LEFT, TOP + 14 + 18 * i, line, 13) for i, line in enumerate(lines)]
    return _frame(width, TOP + 18 * len(lines) + 12, title, body, notes, link)
