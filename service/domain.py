"""The domain model: what the knowledge graph is made of.

Plain frozen dataclasses and enums; nothing here knows about YAML, networkx,
strawberry or HTTP. The vocabulary (entity kinds, relation types and what each
relation means for the reasoning layer) is documented in ``graph_data/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class EntityKind(StrEnum):
    """What an entity is."""

    PLATFORM = "platform"
    DIMENSION = "dimension"
    DIMENSION_VALUE = "dimension-value"
    ISOLATION_TIER = "isolation-tier"
    KERNEL = "kernel"
    OPERATING_SYSTEM = "operating-system"
    REQUIREMENT = "requirement"
    SITUATION = "situation"
    ARCHITECTURE = "architecture"
    LAYER = "layer"
    KUBERNETES_OBJECT = "kubernetes-object"
    KUBERNETES_COMPONENT = "kubernetes-component"
    RESOURCE = "resource"
    EVENT = "event"
    STATE = "state"


class RelationType(StrEnum):
    """How two entities are related; every relation reads ``source <type> target``."""

    RUNS_ON = "runs_on"
    USES_KERNEL = "uses_kernel"
    RUNS_OS = "runs_os"
    ISOLATED_BY = "isolated_by"
    HAS_VALUE = "has_value"
    VALUE_OF = "value_of"
    FAVOURS = "favours"
    CONCERNS = "concerns"
    LAYER_OF = "layer_of"
    PART_OF = "part_of"
    IS_A = "is_a"
    MANAGES = "manages"
    SCHEDULES = "schedules"
    RESTARTS = "restarts"
    CREATES = "creates"
    REQUESTS = "requests"
    DEFINES = "defines"
    CAUSES = "causes"
    HANDLED_BY = "handled_by"
    PROVIDES = "provides"


@dataclass(frozen=True, slots=True)
class RelationMeaning:
    """What a relation type means to the reasoning layer.

    ``propagates_failure``: when the *target* fails, the *source* fails or is
    exposed (A runs_on B: B down takes A down). ``stack``: the relation is one
    hop of a platform stack (``runs_on`` / its inverse ``hosts``).
    """

    description: str
    inverse: str
    propagates_failure: bool = False
    stack: bool = False


RELATION_MEANINGS: Mapping[RelationType, RelationMeaning] = MappingProxyType(
    {
        RelationType.RUNS_ON: RelationMeaning(
            "source runs on (is hosted by) target", "hosts", propagates_failure=True, stack=True
        ),
        RelationType.USES_KERNEL: RelationMeaning(
            "source executes on target kernel", "kernel_of", propagates_failure=True
        ),
        RelationType.RUNS_OS: RelationMeaning(
            "source runs target operating system", "os_of", propagates_failure=True
        ),
        RelationType.ISOLATED_BY: RelationMeaning(
            "source's workloads are separated by target isolation tier", "isolates"
        ),
        RelationType.HAS_VALUE: RelationMeaning("platform source has value target", "value_for"),
        RelationType.VALUE_OF: RelationMeaning("value source rates dimension target", "rated_by"),
        RelationType.FAVOURS: RelationMeaning(
            "requirement/situation source is best served by target", "favoured_by"
        ),
        RelationType.CONCERNS: RelationMeaning(
            "requirement source is about dimension or tier target", "concerned_by"
        ),
        RelationType.LAYER_OF: RelationMeaning(
            "source is a layer of architecture target", "has_layer"
        ),
        RelationType.PART_OF: RelationMeaning(
            "source is a part of target", "has_part", propagates_failure=True
        ),
        RelationType.IS_A: RelationMeaning("source is a kind of target", "generalises"),
        RelationType.MANAGES: RelationMeaning("source controls target", "managed_by"),
        RelationType.SCHEDULES: RelationMeaning("source places target on nodes", "scheduled_by"),
        RelationType.RESTARTS: RelationMeaning("source restarts target in place", "restarted_by"),
        RelationType.CREATES: RelationMeaning("source creates target", "created_by"),
        RelationType.REQUESTS: RelationMeaning("source reserves target resource", "requested_by"),
        RelationType.DEFINES: RelationMeaning("source declares target", "defined_by"),
        RelationType.CAUSES: RelationMeaning("event/state source leads to target", "caused_by"),
        RelationType.HANDLED_BY: RelationMeaning(
            "event/state source is reacted to by target", "handles"
        ),
        RelationType.PROVIDES: RelationMeaning("source delivers quality target", "provided_by"),
    }
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from.

    For the notes (``external`` false) ``quote`` appears verbatim in
    ``document`` at ``line``. Knowledge beyond the notes is ``external``: the
    document is a public URL and ``line`` is None.
    """

    document: str
    section: str
    line: int | None
    quote: str
    external: bool = False

    @property
    def url(self) -> str | None:
        return self.document if self.external else None


Attributes = Mapping[str, str | int | float | bool]


def freeze(attributes: Mapping[str, object] | None) -> Attributes:
    """A read-only copy of an attribute mapping (keys sorted for stable output)."""
    items = sorted((attributes or {}).items())
    return MappingProxyType(dict(items))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Entity:
    """One node of the knowledge graph, identified by a stable slug."""

    id: str
    kind: EntityKind
    name: str
    summary: str
    sources: tuple[Source, ...]
    aliases: tuple[str, ...] = ()
    attributes: Attributes = field(default_factory=lambda: freeze(None))
    # Where it was declared, for error messages (see :attr:`origin`).
    origin_file: str = ""
    origin_line: int = 0

    @property
    def origin(self) -> str:
        """``file:line`` it was declared at ('' when it was not read from a pack)."""
        return _origin(self.origin_file, self.origin_line)


@dataclass(frozen=True, slots=True)
class Relation:
    """One directed edge ``source --type--> target`` of the knowledge graph."""

    source: str
    type: RelationType
    target: str
    sources: tuple[Source, ...]
    attributes: Attributes = field(default_factory=lambda: freeze(None))
    # Where it was declared, kept apart and formatted only when asked for (:attr:`origin`):
    # the loader gives every relation of a file the same file string, while a
    # ``file:line`` string per relation took a quarter of a million-relation graph's memory.
    origin_file: str = ""
    origin_line: int = 0

    @property
    def origin(self) -> str:
        """``file:line`` it was declared at ('' when it was not read from a pack)."""
        return _origin(self.origin_file, self.origin_line)


def _origin(file: str, line: int) -> str:
    return f"{file}:{line}" if file else ""
