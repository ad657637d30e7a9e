"""Re-anchoring a pack: every citation checked against its document as it is now.

For each pack directory: its citations are read with where their line numbers are
written (:mod:`service.packs.citation_sites`), each is re-anchored
(:mod:`service.packs.anchor`) against the current document and the document as the pack
last anchored it (:mod:`service.packs.anchors`), then

- citations that **moved** (the quote verbatim on another line) get their new line
  number written into the pack file in place — nothing else in the file changes;
- **rewordings**, **ambiguous** quotes and **orphans** are only reported, for a person;
- the record (``anchors.json``) is renewed: every cited document as it is now. From
  then on the written line numbers refer to it; the citations left for review are listed
  (and ``validate`` reports them) until someone fixes them. Keeping the old record for
  them instead would let the next run "move" again citations already moved, whenever
  their quote happens to sit on the new line number in the old text as well.

Nothing is written with ``write=False`` (``archgraph reanchor --dry-run``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service.packs.anchor import Anchoring, DocumentAnchor, Verdict
from service.packs.anchors import (
    AnchorsError,
    read_anchors,
    replace_text,
    write_anchors,
)
from service.packs.citation_sites import CitationSite, SiteError, citation_sites, rewrite
from service.packs.documents import Document
from service.packs.loader import builtin_data_dir, display_path, pack_files


class ReanchorError(Exception):
    """A pack cannot be re-anchored (unreadable file, bad YAML, bad record); the message
    says which file and line. Nothing of that pack is written."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One citation and where its quote is now; ``written`` when its new line number was
    written into the pack file."""

    site: CitationSite
    anchoring: Anchoring
    written: bool = False

    @property
    def needs_review(self) -> bool:
        verdict = self.anchoring.verdict
        return not verdict.resolved or (verdict is Verdict.MOVED and not self.written)


@dataclass(slots=True)
class PackReport:
    """What re-anchoring one pack found and did."""

    directory: Path
    outcomes: list[Outcome] = field(default_factory=list)
    rewritten: dict[str, int] = field(default_factory=dict)  # file -> citations rewritten
    recorded: list[str] = field(default_factory=list)  # documents anchored afresh

    def count(self, verdict: Verdict) -> int:
        return sum(1 for o in self.outcomes if o.anchoring.verdict is verdict)

    @property
    def to_review(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.needs_review]


def reanchor_packs(
    directories: Sequence[Path], include_builtin: bool = True, write: bool = True
) -> list[PackReport]:
    """Re-anchor each pack in ``directories`` (the built-in pack when none is given).

    A pack may cite any document of the packs named, and of the built-in pack with
    ``include_builtin``; its own ``sources/`` come first.

    Raises
    ------
    ReanchorError : for the first pack that cannot be read; packs before it are done.
    """
    builtin = builtin_data_dir()
    targets = [Path(d) for d in directories] or [builtin]
    libraries = ([builtin] if include_builtin else []) + targets
    shelves = {d: read_sources(d) for d in dict.fromkeys(libraries)}
    reports = []
    for directory in targets:
        pool: dict[str, Document] = {}
        for library, documents in shelves.items():
            if library != directory:
                pool.update(documents)
        pool.update(shelves[directory])
        reports.append(reanchor_pack(directory, pool, write=write))
    return reports


def read_sources(directory: Path) -> dict[str, Document]:
    """The documents in ``directory/sources`` by name (as the loader names them)."""
    if not directory.is_dir():
        raise ReanchorError(f"{directory}: knowledge pack directory does not exist")
    sources = directory / "sources"
    found: dict[str, Document] = {}
    if sources.is_dir():
        for path in sorted(p for p in sources.rglob("*") if p.is_file()):
            name = path.relative_to(sources).as_posix()
            try:
                found[name] = Document.read(path, name)
            except (OSError, UnicodeDecodeError) as exc:
                raise ReanchorError(f"{path}: cannot read source document: {exc}") from exc
    return found


def reanchor_pack(
    directory: Path, documents: Mapping[str, Document], write: bool = True
) -> PackReport:
    """Re-anchor the citations of the pack in ``directory`` against ``documents``."""
    try:
        record = read_anchors(directory)
    except AnchorsError as exc:
        raise ReanchorError(str(exc)) from exc
    files = _read_pack(directory)
    anchors: dict[str, DocumentAnchor] = {}
    report = PackReport(directory)
    moves: dict[str, dict[int, int]] = {}
    for shown, (_, _, sites) in files.items():
        for index, site in enumerate(sites):
            document = documents.get(site.document)
            if document is None:
                known = ", ".join(sorted(documents)) or "none"
                anchoring = Anchoring(
                    Verdict.ORPHANED,
                    site.line,
                    site.quote,
                    note=f"unknown document {site.document!r} (known: {known})",
                )
            else:
                anchor = anchors.get(site.document)
                if anchor is None:
                    anchor = DocumentAnchor(document, record.get(site.document))
                    anchors[site.document] = anchor
                anchoring = anchor.anchor(site.line, site.quote, site.section)
            report.outcomes.append(Outcome(site, anchoring))
            if anchoring.verdict is Verdict.MOVED and site.rewritable:
                moves.setdefault(shown, {})[index] = anchoring.line
    written = _write_moves(files, moves, write)
    for shown, count in written.items():
        report.rewritten[shown] = count
    report.outcomes = [
        Outcome(o.site, o.anchoring, written=o.site.file in written and _moved(o))
        for o in report.outcomes
    ]
    report.recorded = _renew_record(directory, record, documents, report, write)
    return report


def _moved(outcome: Outcome) -> bool:
    return outcome.anchoring.verdict is Verdict.MOVED and outcome.site.rewritable


def _read_pack(directory: Path) -> dict[str, tuple[Path, str, list[CitationSite]]]:
    """Each pack file's path, text and citations, by the name it is shown as."""
    files = {}
    for path in pack_files(directory):
        shown = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReanchorError(f"{shown}: cannot read file: {exc}") from exc
        try:
            files[shown] = (path, text, citation_sites(shown, text))
        except SiteError as exc:
            raise ReanchorError(f"{shown}:{exc.line}: {exc}") from exc
    return files


def _write_moves(
    files: Mapping[str, tuple[Path, str, list[CitationSite]]],
    moves: Mapping[str, dict[int, int]],
    write: bool,
) -> dict[str, int]:
    """Rewrite the moved line numbers of each file; how many per file were (or, without
    ``write``, would be) written. A file whose rewrite does not read back is skipped."""
    written = {}
    for shown, new_lines in moves.items():
        path, text, sites = files[shown]
        try:
            new_text = rewrite(text, sites, new_lines)
        except ValueError:
            continue
        if write:
            replace_text(path, new_text)
        written[shown] = len(new_lines)
    return written


def _renew_record(
    directory: Path,
    record: Mapping[str, Document],
    documents: Mapping[str, Document],
    report: PackReport,
    write: bool,
) -> list[str]:
    """Record every cited document as it is now (the record of documents no longer cited
    stays while they exist); the names of those anchored afresh."""
    cited = sorted({o.site.document for o in report.outcomes} & set(documents))
    renewed = {name: doc for name, doc in record.items() if name in documents}
    fresh = [name for name in cited if record.get(name) != documents[name]]
    renewed.update((name, documents[name]) for name in cited)
    if write and (fresh or renewed.keys() != record.keys()):
        write_anchors(directory, renewed.values())
    return fresh
