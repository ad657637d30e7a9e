"""The checks and limits of a hand-written scenario's fields, shared by every input reader.

A scenario arrives as plain data (a GraphQL input turned into a mapping, or a YAML file of
``graph_data/scenarios/``) using the GraphQL input's field names;
:func:`~service.queries.cluster_input.snapshot_from_input` reads it with these checks, which
raise :class:`~service.errors.InvalidArgument` naming the path of the field
(``scenario.nodes[1].cpu``), the value and, for a bound, the limit.

Bounds (they admit 5,000 nodes running 1,500 Deployments × 100 replicas):

- :data:`MAX_NODES` nodes, :data:`MAX_DEPLOYMENTS` Deployments;
- ``replicas`` from 0 to :data:`MAX_REPLICAS`, at most :data:`MAX_PODS` in total;
- ``autoscaler.maxNodes`` from 0 to :data:`MAX_AUTOSCALER_NODES`;
- names are Kubernetes names (DNS-1123 subdomains, at most :data:`MAX_NAME_LENGTH`);
- quantities as in :mod:`service.kube.quantities`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from service.errors import InvalidArgument

MAX_NODES = 10_000
MAX_DEPLOYMENTS = 5_000
MAX_REPLICAS = 1_000
MAX_PODS = 200_000
MAX_AUTOSCALER_NODES = 10_000
MAX_NAME_LENGTH = 253

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def check_name(name: object, field: str) -> str:
    """``name`` if it is a Kubernetes object name (a DNS-1123 subdomain)."""
    if not isinstance(name, str):
        raise InvalidArgument(field, f"{name!r} is not a name (a string)")
    if len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise InvalidArgument(
            field,
            f"{shown!r} is not a valid Kubernetes name: use lowercase letters, digits, '-' and "
            f"'.', start and end with a letter or digit, at most {MAX_NAME_LENGTH} characters",
        )
    return name


def check_keys(
    item: object, allowed: Sequence[str], field: str, required: Sequence[str]
) -> Mapping[str, object]:
    if not isinstance(item, Mapping):
        raise InvalidArgument(field, f"expected a mapping with {', '.join(allowed)}")
    # A field left out of a GraphQL input arrives as None: only a given value is unknown.
    unknown = sorted(str(k) for k, v in item.items() if k not in allowed and v is not None)
    if unknown:
        raise InvalidArgument(
            f"{field}.{unknown[0]}", f"unknown field; expected {', '.join(allowed)}"
        )
    for key in required:
        if item.get(key) is None:
            raise InvalidArgument(f"{field}.{key}", "is required")
    return item


def sequence(value: object, field: str, limit: int, what: str) -> Sequence[object]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidArgument(field, f"expected a list, got {value!r}")
    if len(value) > limit:
        raise InvalidArgument(field, f"{len(value)} {what} is more than the limit of {limit}")
    return value


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def bounded_int(value: object, field: str, limit: int) -> int:
    if not is_int(value):
        raise InvalidArgument(field, f"{value!r} is not a whole number")
    assert isinstance(value, int)
    if not 0 <= value <= limit:
        raise InvalidArgument(field, f"{value} is outside the limits 0..{limit}")
    return value


def boolean(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(field, f"{value!r} is not true or false")
    return value


def quantity(value: object, field: str) -> str:
    """A quantity as text; YAML files may write plain numbers (``cpu: 2``)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidArgument(field, f"{value!r} is not a Kubernetes quantity (a string)")
    return value if isinstance(value, str) else str(value)


def unique(names: Sequence[str], field: str, what: str) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            raise InvalidArgument(
                f"{field}[{i}].name",
                f"duplicate {what} name {name!r} (also {field}[{first[name]}].name)",
            )
        first[name] = i
