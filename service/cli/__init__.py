"""``archgraph``: serve the graph, query it in-process, validate packs, export the schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.api.context import PlainContext
from service.api.schema import build_schema, schema_sdl
from service.cli import draft, import_cluster, reanchor, serve
from service.cli.packs_option import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    add_data_args,
    extra_dirs,
    load_or_report,
)
from service.errors import GraphDataError, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.export import export_graph


def cmd_validate(args: argparse.Namespace) -> int:
    dirs = [Path(d) for d in args.dirs]
    try:
        kg = load_graph(dirs, include_builtin=not args.only)
    except GraphDataError as exc:
        print(exc, file=sys.stderr)
        return EXIT_ERRORS
    print(
        f"ok: {len(kg)} entities, {kg.number_of_relations()} relations, "
        f"{len(kg.documents)} source document(s), version {kg.version}"
    )
    if kg.warnings:  # worth a look, not wrong: the exit code stays 0
        n = len(kg.warnings)
        print(f"{n} warning{'s' if n != 1 else ''}:")
        for warning in kg.warnings:
            print(f"  {warning}")
    return EXIT_OK


def run_query(
    kg: KnowledgeGraph, document: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Execute one GraphQL document in-process; the result as GraphQL-over-HTTP JSON."""
    result = asyncio.run(
        build_schema().execute(document, variable_values=variables, context_value=PlainContext(kg))
    )
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    return payload


def cmd_query(args: argparse.Namespace) -> int:
    try:
        variables = json.loads(args.variables) if args.variables else None
    except json.JSONDecodeError as exc:
        print(f"--variables: not valid JSON: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if variables is not None and not isinstance(variables, dict):
        print("--variables: must be a JSON object", file=sys.stderr)
        return EXIT_USAGE
    document = (
        Path(args.document[1:]).read_text() if args.document.startswith("@") else args.document
    )
    kg = load_or_report(extra_dirs(args))
    if kg is None:
        return EXIT_ERRORS
    payload = run_query(kg, document, variables)
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    return EXIT_ERRORS if "errors" in payload else EXIT_OK


def cmd_export_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_sdl())
    return EXIT_OK


def cmd_export_graph(args: argparse.Namespace) -> int:
    kg = load_or_report(extra_dirs(args))
    if kg is None:
        return EXIT_ERRORS
    try:
        text = export_graph(kg, args.format, args.kind)
    except InvalidArgument as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archgraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve.add_parser(commands)
    import_cluster.add_parser(commands)
    draft.add_parser(commands)
    reanchor.add_parser(commands)

    validate = commands.add_parser(
        "validate", help="check knowledge packs; print file:line problems"
    )
    validate.add_argument(
        "dirs", nargs="*", metavar="DIR", help="packs to check with the built-in one"
    )
    validate.add_argument(
        "--only", action="store_true", help="check DIRs without the built-in pack"
    )
    validate.set_defaults(func=cmd_validate)

    query = commands.add_parser("query", help="run a GraphQL document in-process, print JSON")
    query.add_argument("document", help="the GraphQL document, or @FILE")
    query.add_argument("--variables", help="variables as a JSON object")
    add_data_args(query)
    query.set_defaults(func=cmd_query)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(func=cmd_export_schema)

    graph = commands.add_parser(
        "export-graph", help="write the graph as GraphML, node-link JSON or Mermaid"
    )
    graph.add_argument("--format", choices=["graphml", "json", "mermaid"], default="json")
    graph.add_argument(
        "--kind", action="append", default=[], help="only entities of this kind (repeatable)"
    )
    graph.add_argument("-o", "--output", help="write to this file instead of standard output")
    add_data_args(graph)
    graph.set_defaults(func=cmd_export_graph)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except BrokenPipeError:  # `archgraph … | head`: the reader left; as other tools, no trace
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERRORS
    return code
