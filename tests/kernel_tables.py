"""The compiled kernel's node tables (``run_kernel.static_tables`` and the rules' eligible
rows) compared as the kernel reads them: classes may be numbered in any order."""

from __future__ import annotations

from typing import Any


def assert_tables_alike(kept: Any, again: Any) -> None:
    """``kept`` (tables, eligible rows), caught up or made, are what ``again`` made them
    anew: the same classes (each class's nodes, whatever its number; its size; a member as
    its rep), domains, eligible counts and eligible rows."""
    (node_class, rep, size, *counts), eligible = kept
    (node_class_again, _, _, *counts_again), eligible_again = again
    assert (eligible == eligible_again).all()
    assert all((a == b).all() for a, b in zip(counts, counts_again, strict=True))
    assert _classes(node_class) == _classes(node_class_again)
    for c, members in enumerate(size.tolist()):
        assert members == int((node_class == c).sum())
        assert members == 0 or node_class[rep[c]] == c


def _classes(node_class: Any) -> set[frozenset[int]]:
    found: dict[int, set[int]] = {}
    for x, c in enumerate(node_class.tolist()):
        if c >= 0:
            found.setdefault(c, set()).add(x)
    return {frozenset(members) for members in found.values()}
