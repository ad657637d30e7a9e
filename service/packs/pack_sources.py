"""Sources: where each fact of a pack comes from, checked against the documents it cites.

A source is a line of a document in ``sources/`` whose text holds the quote verbatim
(and, if it names one, under the section it names), or knowledge beyond the notes: a
URL with the section it quotes. A big pack cites the same few hundred thousand lines
over a million times, so each distinct valid citation is checked once and one
``(Source,)`` tuple is shared by every item that cites it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.domain import Source
from service.packs.documents import Document
from service.packs.problems import Problems
from service.packs.yamlmarks import MarkedDict

SOURCE_KEYS = frozenset({"document", "section", "line", "quote", "url"})
LOCAL_SOURCE_KEYS = frozenset({"document", "section", "line", "quote"})
# A citation as written: (document, line, quote, section or None).
SourceKey = tuple[str, int, str, str | None]


class Citations:
    """Validates the ``sources`` of pack items against ``documents``.

    ``checked`` maps each valid citation met so far to its shared ``(Source,)``; a bulk
    reader (:mod:`service.packs.relation_tables`) may look a key up there itself before
    calling :meth:`cite`.
    """

    def __init__(self, documents: Mapping[str, Document], problems: Problems) -> None:
        self.documents = documents
        self.problems = problems
        self.checked: dict[SourceKey, tuple[Source]] = {}
        self.lines: dict[int, int] = {}  # one int object per line number above 256

    def forget(self) -> None:
        """Let go of the cache (the sources themselves stay with those who cite them)."""
        self.checked.clear()
        self.lines.clear()

    def unknown_document(self, name: object) -> str:
        known = ", ".join(sorted(self.documents)) or "none"
        return f"unknown document {name!r} (documents in sources/: {known})"

    def sources(
        self, file: str, item: MarkedDict, default_document: str | None
    ) -> tuple[Source, ...]:
        """The sources of ``item`` (an entity or relation mapping), mistakes reported."""
        raw = item.get("sources")
        if not raw:
            self.problems.add(
                file,
                item.line_of("sources"),
                "missing sources: every fact must cite where it comes from",
            )
            return ()
        if not isinstance(raw, list):
            self.problems.add(file, item.line_of("sources"), "sources must be a list")
            return ()
        if len(raw) == 1 and isinstance(raw[0], MarkedDict):
            return self.single_source(file, raw[0], default_document)
        result = []
        for entry in raw:
            if not isinstance(entry, MarkedDict):
                self.problems.add(file, item.line_of("sources"), "each source must be a mapping")
                continue
            source = self.source(file, entry, default_document)
            if source is not None:
                result.append(source)
        return tuple(result)

    def single_source(
        self, file: str, entry: MarkedDict, default_document: str | None
    ) -> tuple[Source, ...]:
        """``(source,)`` for the one entry of a sources list; shared by all who cite it alike."""
        key = None
        if entry.keys() <= LOCAL_SOURCE_KEYS:
            key = _source_key(
                entry.get("document", default_document),
                entry.get("line"),
                entry.get("quote"),
                entry.get("section"),
            )
            if key is not None:
                cited = self.cite(key)
                if cited is not None:
                    return cited
        source = self.source(file, entry, default_document)
        return () if source is None else (source,)

    def cite(self, key: SourceKey) -> tuple[Source] | None:
        """The checked citation for ``key``, or None when it has a problem (which
        :meth:`source` then reports)."""
        cited = self.checked.get(key)
        if cited is not None:
            return cited
        name, line, quote, section = key
        document = self.documents.get(name)
        if document is None or not quote or not 1 <= line <= len(document.lines):
            return None
        actual_section = document.sections[line - 1]
        if quote not in document.lines[line - 1] or section not in (None, actual_section):
            return None
        line = self.lines.setdefault(line, line)
        source = Source(document=document.name, section=actual_section, line=line, quote=quote)
        cited = (source,)
        self.checked[key] = cited
        return cited

    def source(self, file: str, entry: MarkedDict, default_document: str | None) -> Source | None:
        """One source mapping, every mistake in it reported."""
        for key in sorted(set(entry) - SOURCE_KEYS):
            self.problems.add(file, entry.line_of(key), f"unknown source field {key!r}")
        quote = entry.get("quote")
        if not isinstance(quote, str) or not quote:
            self.problems.add(file, entry.line, "source is missing its quote")
            return None
        section = entry.get("section")
        if "url" in entry:
            return self.external_source(file, entry, quote, section)
        document_name = entry.get("document", default_document)
        if document_name is None:
            self.problems.add(
                file, entry.line, "source names no document (and the file sets no default)"
            )
            return None
        document = self.documents.get(document_name) if isinstance(document_name, str) else None
        if document is None:
            self.problems.add(file, entry.line_of("document"), self.unknown_document(document_name))
            return None
        line = entry.get("line")
        if not isinstance(line, int) or isinstance(line, bool):
            self.problems.add(
                file,
                entry.line_of("line") if "line" in entry else entry.line,
                "source needs the 'line' number its quote is on",
            )
            return None
        why = document.check_quote(line, quote)
        if why is not None:
            self.problems.add(file, entry.line_of("quote"), why)
            return None
        actual_section = document.section(line)
        if section is not None and section != actual_section:
            self.problems.add(
                file,
                entry.line_of("section"),
                f"section {section!r} does not match line {line} of {document.name}, which is under {actual_section!r}",
            )
        return Source(document=document.name, section=actual_section, line=line, quote=quote)

    def external_source(
        self, file: str, entry: MarkedDict, quote: str, section: Any
    ) -> Source | None:
        """Knowledge beyond the notes: a URL and the section of it quoted."""
        url = entry["url"]
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            self.problems.add(
                file, entry.line_of("url"), f"url must be an http(s) URL, not {url!r}"
            )
            return None
        if not isinstance(section, str) or not section:
            self.problems.add(file, entry.line, "an external source needs the 'section' it quotes")
            return None
        return Source(document=url, section=section, line=None, quote=quote, external=True)


def _source_key(document: object, line: object, quote: object, section: object) -> SourceKey | None:
    """The cache key of a citation, or None when a value is not of the exact type a valid
    citation has (so that ``True``/``1.0`` never pass for the line ``1``)."""
    if (
        document.__class__ is str
        and line.__class__ is int
        and quote.__class__ is str
        and (section is None or section.__class__ is str)
    ):
        return document, line, quote, section
    return None
