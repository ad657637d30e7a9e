"""A Markdown note as cited blocks: table cells, list items under their lead-in, arrow
chains and paragraph sentences, each with its 1-based line and a quote verbatim on it.

The blocks come from markdown-it-py (``MarkdownIt("commonmark").enable("table")``: the
CommonMark spec plus GitHub's table extension), whose ``token.map`` gives the source lines
of every block; a cell's line is its row's (``tr_open``), a list item's lines are those of
its first paragraph. The parser's *text* is not the source's, though: it unescapes ``\\|``
in cells, joins the lines of a multi-line item into one string, and the last item of a
list has a map that runs over the blank line after it. A quote must be found verbatim on
its line by :meth:`~service.packs.documents.Document.check_quote`, so quotes are cut from
the raw lines; the parser only says where blocks are, and gives plain text for names.

Lines are numbered as :class:`~service.packs.documents.Document` numbers them
(``str.splitlines``): the parser is fed the note re-joined with ``\\n``, so a form feed or
U+2028 inside the note cannot make the two disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.token import Token

# What precedes the text of a list item's first line: blockquote marks, the bullet or
# number, a task box. Continuation lines lose their indentation and blockquote marks.
_ITEM_PREFIX = re.compile(r"^\s*(?:>\s?)*\s*(?:[-*+]|\d{1,9}[.)])(?:\s+\[[ xX]\])?\s+")
_LINE_PREFIX = re.compile(r"^\s*(?:>\s?)*\s*")
_HEADING_MARKS = re.compile(r"^\s*(?:>\s?)*\s*#{1,6}\s+|\s+#+\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_ARROW = re.compile(r"\s*(?:→|⟶|-->|->)\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Emphasis and code marks around a name ("**Kubernetes**", "`runc`").
_MARKS = "*_`~ "
MAX_CHAIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class Quote:
    """``text`` verbatim on 1-based ``line`` of the note."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its raw text as a quote (None when empty) and its plain text."""

    quote: Quote | None
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]  # each as long as the header

    @property
    def line(self) -> int:
        return self.header[0].quote.line if self.header[0].quote else 0


@dataclass(frozen=True, slots=True)
class ListItem:
    """One item: a quote per line of its first paragraph, and its text joined."""

    quotes: tuple[Quote, ...]
    text: str


@dataclass(frozen=True, slots=True)
class LeadIn:
    """What introduces a list: the paragraph line just before it, or a heading."""

    quote: Quote
    text: str
    heading: bool


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool
    # The paragraph just before the list (its last line), then the section's heading when
    # no other block came between it and the list: the draft reads them in this order.
    lead_ins: tuple[LeadIn, ...]

    @property
    def line(self) -> int:
        return self.items[0].quotes[0].line if self.items else 0


@dataclass(frozen=True, slots=True)
class ArrowChain:
    """``A → B → C`` on one line: each part's quote, then each link's (``A → B``)."""

    parts: tuple[Quote, ...]
    links: tuple[Quote, ...]
    names: tuple[str, ...]

    @property
    def line(self) -> int:
        return self.parts[0].line


@dataclass(frozen=True, slots=True)
class Note:
    """Every block the draft reads, in the note's order within each kind."""

    name: str
    tables: tuple[Table, ...]
    lists: tuple[ListBlock, ...]
    chains: tuple[ArrowChain, ...]
    sentences: tuple[Quote, ...]  # paragraph sentences (a line's part each), chains excluded


def parse_note(name: str, text: str) -> Note:
    """The cited blocks of the Markdown ``text`` of the document called ``name``.

    Examples
    --------
    >>> note = parse_note("n.md", "| Topic | A | B |\\n|-|-|-|\\n| Speed | fast | slow |\\n")
    >>> [c.quote.text for c in note.tables[0].rows[0]]
    ['Speed', 'fast', 'slow']
    """
    lines = text.splitlines()
    tokens = MarkdownIt("commonmark").enable("table").parse("\n".join(lines))
    return _Reader(name, lines, tokens).read()


class _Reader:
    """One pass over the tokens, remembering the last block opened at each nesting level."""

    def __init__(self, name: str, lines: Sequence[str], tokens: Sequence[Token]) -> None:
        self.name = name
        self.lines = lines
        self.tokens = tokens
        self.tables: list[Table] = []
        self.lists: list[ListBlock] = []
        self.chains: list[ArrowChain] = []
        self.sentences: list[Quote] = []
        self.previous: dict[int, int] = {}  # level -> index of the last block opened there
        # The last heading, until a top-level block other than a paragraph follows it: it
        # introduces the first top-level list after it ("## Where containers win").
        self.heading: LeadIn | None = None

    def read(self) -> Note:
        for i, token in enumerate(self.tokens):
            if token.type == "heading_open" and token.map:
                self.heading = self.heading_lead_in(token.map[0])
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                self.read_list(i)
            elif token.type == "table_open":
                self.read_table(i)
            elif token.type == "paragraph_open" and token.map and not self.opens_item(i):
                self.read_paragraph(token.map)
            elif token.type in ("fence", "code_block") and token.map:
                start, end = token.map
                self.read_chains(range(start + (token.type == "fence"), end))
            if token.block and token.nesting >= 0 and token.type not in _INSIDE_BLOCKS:
                self.previous[token.level] = i
                for deeper in [level for level in self.previous if level > token.level]:
                    del self.previous[deeper]
                if token.level == 0 and token.type not in ("heading_open", "paragraph_open"):
                    self.heading = None
        return Note(
            self.name,
            tuple(self.tables),
            tuple(self.lists),
            tuple(self.chains),
            tuple(self.sentences),
        )

    # -- blocks ------------------------------------------------------------------------
    def read_table(self, start: int) -> None:
        rows: list[tuple[Cell, ...]] = []
        texts: list[str] = []
        line = 0
        for i in range(start + 1, len(self.tokens)):
            token = self.tokens[i]
            if token.type == "tr_open" and token.map:
                texts, line = [], token.map[0]
            elif token.type == "inline" and self.tokens[i - 1].type in ("th_open", "td_open"):
                texts.append(_plain(token))
            elif token.type == "tr_close":
                rows.append(self.cells(line, texts))
            elif token.type == "table_close":
                break
        if rows:
            self.tables.append(Table(rows[0], tuple(rows[1:])))

    def cells(self, index: int, texts: list[str]) -> tuple[Cell, ...]:
        """The row's cells with quotes cut from the raw line (``\\|`` stays escaped)."""
        raw = _LINE_PREFIX.sub("", self.lines[index]).rstrip()
        parts = _UNESCAPED_PIPE.split(raw)
        if raw.startswith("|"):
            parts = parts[1:]
        if raw.endswith("|") and not raw.endswith("\\|"):
            parts = parts[:-1]
        cells = []
        for n, text in enumerate(texts):
            quote = parts[n].strip() if n < len(parts) else ""
            cells.append(Cell(Quote(index + 1, quote) if quote else None, text))
        return tuple(cells)

    def read_list(self, start: int) -> None:
        opening = self.tokens[start]
        lead_ins = []
        before = self.previous.get(opening.level)
        if before is not None and self.tokens[before].type == "paragraph_open":
            lead_in = self.paragraph_lead_in(before)
            if lead_in is not None:
                lead_ins.append(lead_in)
        if opening.level == 0 and self.heading is not None:
            lead_ins.append(self.heading)
        items = []
        depth = 0
        for i in range(start + 1, len(self.tokens)):
            token = self.tokens[i]
            if token.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                if depth == 0:
                    break
                depth -= 1
            elif token.type == "list_item_open" and depth == 0:
                item = self.item(i)
                if item is not None:
                    items.append(item)
        ordered = opening.type == "ordered_list_open"
        self.lists.append(ListBlock(tuple(items), ordered, tuple(lead_ins)))

    def item(self, start: int) -> ListItem | None:
        """The item opened at ``start``, from its first paragraph (None when it has none)."""
        if not self.opens_item(start + 1):
            return None
        first, end = self.tokens[start + 1].map or (0, 0)
        quotes = []
        for index in range(first, end):
            prefix = _ITEM_PREFIX if index == first else _LINE_PREFIX
            text = prefix.sub("", self.lines[index]).strip()
            if text:
                quotes.append(Quote(index + 1, text))
        text = _plain(self.tokens[start + 2])
        return ListItem(tuple(quotes), text) if quotes and text else None

    def read_paragraph(self, span: list[int]) -> None:
        start, end = span
        chain_lines = self.read_chains(range(start, end))
        for index in range(start, end):
            if index in chain_lines:
                continue
            raw = _LINE_PREFIX.sub("", self.lines[index]).strip()
            for sentence in _SENTENCE_END.split(raw):
                if sentence.strip():
                    self.sentences.append(Quote(index + 1, sentence.strip()))

    def read_chains(self, indexes: range) -> set[int]:
        """Arrow chains on the given lines; the indexes of the lines that held one."""
        found = set()
        for index in indexes:
            chain = _chain(index + 1, self.lines[index])
            if chain is not None:
                self.chains.append(chain)
                found.add(index)
        return found

    # -- lead-ins ----------------------------------------------------------------------
    def paragraph_lead_in(self, index: int) -> LeadIn | None:
        """The last line of the paragraph opened at ``index`` (an item's, when in one)."""
        first, end = self.tokens[index].map or (0, 0)
        last = end - 1
        prefix = _ITEM_PREFIX if last == first and self.opens_item(index) else _LINE_PREFIX
        text = prefix.sub("", self.lines[last]).strip()
        return LeadIn(Quote(last + 1, text), _unmarked(text), heading=False) if text else None

    def heading_lead_in(self, index: int) -> LeadIn | None:
        text = _HEADING_MARKS.sub("", self.lines[index]).strip()
        if not text or not self.lines[index].lstrip().startswith("#"):
            return None  # a setext heading: its underline names no section for the loader
        return LeadIn(Quote(index + 1, text), _unmarked(text), heading=True)

    def opens_item(self, index: int) -> bool:
        """Whether the token at ``index`` is the paragraph opening a list item."""
        return (
            self.tokens[index].type == "paragraph_open"
            and index > 0
            and self.tokens[index - 1].type == "list_item_open"
            and self.tokens[index].map is not None
        )


# Block tokens inside a table or list item that do not count as "the block before a list".
_INSIDE_BLOCKS = frozenset(
    {"tr_open", "th_open", "td_open", "thead_open", "tbody_open", "list_item_open"}
)


def _chain(line: int, raw: str) -> ArrowChain | None:
    """``A → B [→ C …]`` when the whole line is such a chain of short names, else None."""
    spans = []  # (start, end) of each part, stripped, in ``raw``
    position = _LINE_PREFIX.match(raw).end()  # type: ignore[union-attr]
    for arrow in [*_ARROW.finditer(raw, position), None]:
        end = arrow.start() if arrow is not None else len(raw.rstrip())
        segment = raw[position:end]
        start = position + len(segment) - len(segment.lstrip())
        spans.append((start, start + len(segment.strip())))
        if arrow is not None:
            position = arrow.end()
    if len(spans) < 2:
        return None
    names = [_unmarked(raw[start:end]) for start, end in spans]
    for name in names:
        words = name.split()
        if not words or len(words) > MAX_CHAIN_WORDS or _PUNCTUATION.search(name):
            return None
    parts = tuple(Quote(line, raw[start:end]) for start, end in spans)
    links = tuple(Quote(line, raw[a[0] : b[1]]) for a, b in pairwise(spans))
    return ArrowChain(parts, links, tuple(names))


# A part of a chain is a name, not a sentence: no clause punctuation in it.
_PUNCTUATION = re.compile(r"[.:;,!?](\s|$)")


def _unmarked(text: str) -> str:
    """``text`` without emphasis or code marks around it or its words."""
    return re.sub(r"(\*\*|__|[*_`~])", "", text).strip(_MARKS)


def _plain(token: Token) -> str:
    """The plain text of an inline token: text and code spans, line breaks as spaces."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())
