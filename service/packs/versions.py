"""The graph versions a server keeps answering: the current one and a few before it.

A version is the graph's content hash (:attr:`KnowledgeGraph.version`, see
:mod:`service.packs.loader`), so a permalink that names one names exactly one graph.
:class:`GraphVersions` keeps at most ``keep`` graphs, newest first; publishing a new one
makes it current and lets the oldest go. Publishing a version already kept (an edit
undone) makes that one current again, without a second copy.

Swapping is atomic for readers: the kept graphs are one immutable tuple, replaced
whole under a lock, and read without one. A request that took a graph keeps it to its
end, whatever is published meanwhile; a version that has left the store can no longer be
asked for (:class:`VersionNotKept`, which the HTTP layer answers with ``410 Gone``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from service.errors import ArchgraphError
from service.knowledge import KnowledgeGraph

DEFAULT_KEEP = 5


class VersionNotKept(ArchgraphError):
    """A graph version that is not (or no longer) kept; the message names the current one."""

    def __init__(
        self, version: str, current: str, kept: Sequence[str], field: str | None = None
    ) -> None:
        self.version, self.current, self.kept, self.field = version, current, tuple(kept), field
        prefix = f"{field}: " if field else ""
        super().__init__(
            f"{prefix}graph version {version!r} is not kept (replaced too long ago, or never "
            f"served); the current version is {current!r} (kept, newest first: "
            f"{', '.join(self.kept)})"
        )


class GraphVersions:
    """At most ``keep`` graphs by version, newest (current) first; thread-safe."""

    def __init__(self, keep: int = DEFAULT_KEEP) -> None:
        if keep < 1:
            raise ValueError(f"keep at least one version, not {keep}")
        self.keep = keep
        self._kept: tuple[KnowledgeGraph, ...] = ()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, kg: KnowledgeGraph, keep: int = DEFAULT_KEEP) -> GraphVersions:
        """A store holding ``kg`` alone (a graph served without reloading)."""
        versions = cls(keep)
        versions.publish(kg)
        return versions

    @property
    def current(self) -> KnowledgeGraph:
        kept = self._kept
        if not kept:
            raise LookupError("no graph has been published yet")
        return kept[0]

    def __len__(self) -> int:
        return len(self._kept)

    def versions(self) -> tuple[str, ...]:
        """The kept versions, newest first."""
        return tuple(kg.version for kg in self._kept)

    def get(self, version: str) -> KnowledgeGraph | None:
        """The kept graph of ``version``, or None."""
        return next((kg for kg in self._kept if kg.version == version), None)

    def graph(self, version: str, field: str | None = None) -> KnowledgeGraph:
        """The kept graph of ``version``.

        Raises
        ------
        VersionNotKept : the version is not kept; ``field`` names the argument that gave it.
        """
        kept = self._kept
        found = next((kg for kg in kept if kg.version == version), None)
        if found is None:
            raise VersionNotKept(version, kept[0].version if kept else "", self.versions(), field)
        return found

    def publish(self, kg: KnowledgeGraph) -> bool:
        """Make ``kg`` current; False when its version already was current (nothing changed).

        A version kept from before becomes current again as the graph already kept (its
        derived indexes warm), and the oldest graph beyond ``keep`` is let go.
        """
        with self._lock:
            kept = self._kept
            if kept and kept[0].version == kg.version:
                return False
            earlier = next((old for old in kept if old.version == kg.version), kg)
            rest = tuple(old for old in kept if old.version != kg.version)
            self._kept = (earlier, *rest)[: self.keep]
            return True
