"""Keep archgraph answers in Markdown docs current, like the bots that refresh wiki lists.

A marker block names an answer and its arguments::

    <!-- archgraph:comparison left=virtual-machine right=container -->
    (generated; replaced on every refresh)
    <!-- /archgraph -->

Each block's contents are replaced by ``GET {url}/embed/{answer}.md?{arguments}``.
Arguments are ``key=value`` words (quote values with spaces; repeat a key for a list).
Files change only when an answer changed, so a second run writes nothing. Markers
inside fenced code blocks are examples and left alone.

Usage::

    python clients/wiki/archgraph_wiki.py docs/ --url http://127.0.0.1:8000
    python clients/wiki/archgraph_wiki.py docs/ --check     # exit 1 if anything is stale

Exit status: 0 done (or, with ``--check``, up to date); 1 stale (``--check``); 2 a block
could not be refreshed (each problem is printed as ``file:line: …``; files with a
problem are left untouched, the others are refreshed).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

OPEN = re.compile(r"<!--\s*archgraph:(?P<answer>[a-z][a-z-]*)(?P<args>[^>]*?)\s*-->")
CLOSE = re.compile(r"<!--\s*/archgraph\s*-->")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")


class RefreshError(Exception):
    """A block could not be refreshed; the message names the file and line."""


@dataclass(frozen=True)
class Block:
    answer: str
    params: tuple[tuple[str, str], ...]
    line: int

    def path(self) -> str:
        return f"/embed/{self.answer}.md"


def parse_args_text(text: str, where: str) -> tuple[tuple[str, str], ...]:
    params = []
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise RefreshError(f"{where}: cannot read the marker's arguments: {exc}") from None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise RefreshError(f"{where}: argument {word!r} is not key=value")
        params.append((key, value))
    return tuple(params)


def fenced_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks (``` or ~~~), where markers are only examples."""
    spans: list[tuple[int, int]] = []
    offset, start, fence = 0, 0, ""
    for line in text.splitlines(keepends=True):
        found = FENCE.match(line)
        if not fence and found:
            start, fence = offset, found["fence"]
        elif fence and found and _closes(found["fence"], fence, line):
            spans.append((start, offset + len(line)))
            fence = ""
        offset += len(line)
    if fence:
        spans.append((start, len(text)))
    return spans


def _closes(found: str, fence: str, line: str) -> bool:
    """A closing fence: the same character, at least as long, nothing after it."""
    return found[0] == fence[0] and len(found) >= len(fence) and not line.strip().strip(fence[0])


class Fetcher:
    """Answers by block, fetched once per run however many files ask the same question."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.answers: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.Response] = {}

    def get(self, block: Block) -> httpx.Response:
        key = (block.answer, block.params)
        if key not in self.answers:
            self.answers[key] = self.client.get(block.path(), params=list(block.params))
        return self.answers[key]


def render(text: str, file: str, fetcher: Fetcher) -> tuple[str, int]:
    """``text`` with every marker block refreshed, and how many blocks changed."""
    errors: list[str] = []
    changed = 0
    newline = "\r\n" if "\r\n" in text else "\n"
    fences = fenced_spans(text)
    out: list[str] = []
    position = 0

    def line_of(index: int) -> int:
        return text.count("\n", 0, index) + 1

    for opened in OPEN.finditer(text):
        if opened.start() < position or any(a <= opened.start() < b for a, b in fences):
            continue
        where = f"{file}:{line_of(opened.start())}: archgraph:{opened['answer']}"
        closed = CLOSE.search(text, opened.end())
        again = OPEN.search(text, opened.end())
        if closed is None or (again is not None and again.start() < closed.start()):
            errors.append(
                f"{where}: no closing <!-- /archgraph --> before the next marker or the end"
            )
            continue
        try:
            block = Block(
                opened["answer"], parse_args_text(opened["args"], where), line_of(opened.start())
            )
            response = fetcher.get(block)
        except RefreshError as exc:
            errors.append(str(exc))
            continue
        except httpx.HTTPError as exc:
            errors.append(f"{where}: cannot reach archgraph: {exc}")
            continue
        if response.status_code != 200:
            errors.append(f"{where}: {response.status_code} {response.text.strip()[:500]}")
            continue
        answer = response.text.strip("\n").replace("\r\n", "\n").replace("\n", newline)
        body = newline + answer + newline
        if body != text[opened.end() : closed.start()]:
            changed += 1
        out += [text[position : opened.end()], body]
        position = closed.start()
    out.append(text[position:])
    if errors:
        raise RefreshError("\n".join(errors))
    return "".join(out), changed


def markdown_files(paths: Sequence[Path]) -> list[Path]:
    """The ``*.md`` files of ``paths`` (files, or folders searched recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob("*.md"))
        elif path.is_file():
            found.append(path)
        else:
            raise RefreshError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


@dataclass
class Outcome:
    """What a run did: files changed (or, checking, that would change) and problems found."""

    stale: list[Path]
    errors: list[str]


def refresh(paths: Sequence[Path], client: httpx.Client, check: bool = False) -> Outcome:
    """Refresh every Markdown file under ``paths``; a file with a problem is left as it is.

    Raises
    ------
    RefreshError : a path is neither a file nor a folder.
    """
    outcome = Outcome([], [])
    fetcher = Fetcher(client)
    for path in markdown_files(paths):
        with path.open(encoding="utf-8", newline="") as f:  # keep CRLF files CRLF
            text = f.read()
        if "archgraph:" not in text:
            continue
        try:
            new_text, changed = render(text, str(path), fetcher)
        except RefreshError as exc:
            outcome.errors.append(str(exc))
            continue
        if changed and new_text != text:
            outcome.stale.append(path)
            if not check:
                with path.open("w", encoding="utf-8", newline="") as f:
                    f.write(new_text)
    return outcome


def main(argv: Sequence[str] | None = None, transport: httpx.BaseTransport | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="archgraph-wiki", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("paths", nargs="+", type=Path, help="Markdown files or folders of them")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="archgraph base URL")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.url, transport=transport, timeout=30) as client:
        try:
            outcome = refresh(args.paths, client, check=args.check)
        except RefreshError as exc:
            print(exc, file=sys.stderr)
            return 2
    verb = "stale" if args.check else "updated"
    for path in outcome.stale:
        print(f"{verb}: {path}")
    if outcome.errors:
        print("\n".join(outcome.errors), file=sys.stderr)
        return 2
    if not outcome.stale:
        print("up to date")
    return 1 if args.check and outcome.stale else 0


if __name__ == "__main__":
    sys.exit(main())
