"""What can go wrong talking to archgraph, as one small exception hierarchy.

``ArchgraphClientError``
 ├── ``ArchgraphConnectionError``  the request never got an HTTP answer (DNS, refused, timeout)
 ├── ``ArchgraphHTTPError``        an HTTP answer with a 4xx/5xx status
 ├── ``ArchgraphResponseError``    a 2xx answer that is not the GraphQL response expected
 └── ``ArchgraphQueryError``       the GraphQL response carries ``errors``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BODY_EXCERPT_CHARS = 500


class ArchgraphClientError(Exception):
    """Base class of every error the client raises."""


class ArchgraphConnectionError(ArchgraphClientError):
    """The transport failed before an HTTP response arrived; ``__cause__`` is httpx's error."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(url, reason)

    def __str__(self) -> str:
        return f"could not reach archgraph at {self.url}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of a GraphQL response's ``errors`` list."""

    message: str
    path: tuple[str | int, ...] | None = None
    locations: tuple[tuple[int, int], ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, error: Mapping[str, Any]) -> ErrorDetail:
        path = error.get("path")
        return cls(
            message=str(error.get("message", "")),
            path=tuple(path) if path is not None else None,
            locations=tuple((loc["line"], loc["column"]) for loc in error.get("locations") or ()),
            extensions=dict(error.get("extensions") or {}),
        )

    def __str__(self) -> str:
        if self.path:
            return f"{self.message} (at {'.'.join(str(p) for p in self.path)})"
        if self.locations:
            line, column = self.locations[0]
            return f"{self.message} (line {line}, column {column})"
        return self.message


class ArchgraphQueryError(ArchgraphClientError):
    """The server answered, but with GraphQL errors; ``errors`` holds every one of them.

    ``data`` is whatever partial data came with them (often ``None``).
    """

    def __init__(
        self, errors: Sequence[ErrorDetail], data: Mapping[str, Any] | None = None
    ) -> None:
        self.errors: tuple[ErrorDetail, ...] = tuple(errors)
        self.data = data
        super().__init__(*self.errors)

    @property
    def messages(self) -> list[str]:
        """The messages alone, in the server's order."""
        return [e.message for e in self.errors]

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        return "\n".join([f"{len(self.errors)} GraphQL errors:", *(f"  {e}" for e in self.errors)])


class ArchgraphHTTPError(ArchgraphClientError):
    """The server (or a proxy in front of it) answered with a 4xx/5xx status."""

    def __init__(self, url: str, status_code: int, reason: str, body: str) -> None:
        self.url = url
        self.status_code = status_code
        self.reason = reason
        self.body = body
        super().__init__(url, status_code, body)

    @property
    def body_excerpt(self) -> str:
        """The body, shortened to fit an error message."""
        text = " ".join(self.body.split())
        if len(text) > BODY_EXCERPT_CHARS:
            return text[: BODY_EXCERPT_CHARS - 1] + "…"
        return text

    def __str__(self) -> str:
        head = f"HTTP {self.status_code} {self.reason} from {self.url}".rstrip()
        return f"{head}: {self.body_excerpt}" if self.body_excerpt else head


class ArchgraphResponseError(ArchgraphClientError):
    """A successful HTTP answer that is not the GraphQL response the client expected.

    Raised for a body that is not JSON, and for data whose shape does not match the
    client's types (a sign the server's schema drifted from the client's).
    """

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(url, problem)

    def __str__(self) -> str:
        return f"unexpected response from {self.url}: {self.problem}"
