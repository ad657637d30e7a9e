"""``archgraph reanchor [DIR…]``: keep a pack's citations true after its notes were edited.

Moved citations are rewritten in the pack files in place; every proposal (a rewording,
an ambiguous quote) and every orphan is printed as ``file:line: …`` with the old and the
new text, for a person to decide. Exit 0 when everything resolved, 1 when something
needs review, 2 when a pack cannot be read (nothing of it is written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.cli.packs_option import EXIT_ERRORS, EXIT_OK, EXIT_USAGE
from service.packs.anchor import Verdict
from service.packs.anchors import ANCHORS_FILE
from service.packs.loader import display_path
from service.packs.reanchor import Outcome, PackReport, ReanchorError, reanchor_packs


def cmd_reanchor(args: argparse.Namespace) -> int:
    try:
        reports = reanchor_packs(
            [Path(d) for d in args.dirs], include_builtin=not args.only, write=not args.dry_run
        )
    except ReanchorError as exc:
        print(f"archgraph reanchor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for report in reports:
        for line in report_lines(report, verbose=args.verbose, dry_run=args.dry_run):
            print(line)
    return EXIT_ERRORS if any(r.to_review for r in reports) else EXIT_OK


def report_lines(report: PackReport, verbose: bool = False, dry_run: bool = False) -> list[str]:
    """What ``archgraph reanchor`` prints for one pack: each outcome to review (each move
    too with ``verbose``), then a summary."""
    lines = [
        describe(outcome)
        for outcome in report.outcomes
        if outcome.needs_review or (verbose and outcome.anchoring.verdict is Verdict.MOVED)
    ]
    shown = display_path(report.directory)
    counts = ", ".join(
        f"{report.count(v)} {v.value}" for v in Verdict if report.count(v) or v is Verdict.KEPT
    )
    would = "would be " if dry_run else ""
    rewritten = sum(report.rewritten.values())
    files = len(report.rewritten)
    lines.append(f"{shown}: {len(report.outcomes)} citations: {counts}")
    if rewritten:
        lines.append(
            f"{shown}: {rewritten} line numbers {would}rewritten in {files} "
            f"file{'s' if files != 1 else ''}"
        )
    if report.recorded:
        documents = ", ".join(report.recorded)
        lines.append(f"{shown}/{ANCHORS_FILE}: {would}anchored to {documents} as it is now")
    return lines


def describe(outcome: Outcome) -> str:
    """One outcome as ``file:line: verdict: document:old "quote" -> new …``."""
    site, anchoring = outcome.site, outcome.anchoring
    where = f"{site.file}:{site.at}"
    old = f'{site.document}:{site.line} "{site.quote}"'
    verdict = anchoring.verdict
    if verdict is Verdict.MOVED:
        done = "rewritten" if outcome.written else "not rewritten: its line number is not plain"
        return f"{where}: moved: {old} -> line {anchoring.line} ({done})"
    if verdict is Verdict.REWORDED:
        return (
            f"{where}: reworded: {old} -> {site.document}:{anchoring.line} "
            f'"{anchoring.quote}" (score {int(anchoring.score or 0)}; proposed, not written)'
        )
    if verdict is Verdict.AMBIGUOUS:
        new = f'{site.document}:{anchoring.line} "{anchoring.quote}"'
        return f"{where}: ambiguous: {old} -> {new}? {anchoring.note} (not written)"
    return f"{where}: orphaned: {old}: {anchoring.note}"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``reanchor`` on the ``archgraph`` sub-command parsers."""
    reanchor = commands.add_parser(
        "reanchor",
        help="move citations whose quotes moved after an edit; list rewordings and orphans",
    )
    reanchor.add_argument(
        "dirs", nargs="*", metavar="DIR", help="packs to re-anchor (default: the built-in one)"
    )
    reanchor.add_argument(
        "--only", action="store_true", help="do not look up documents in the built-in pack"
    )
    reanchor.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    reanchor.add_argument(
        "-v", "--verbose", action="store_true", help="list every moved citation too"
    )
    reanchor.set_defaults(func=cmd_reanchor)
