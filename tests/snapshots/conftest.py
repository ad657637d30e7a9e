"""The real dumps in ``../shared/k8s-snapshots`` (beside the checkout, never copied in)."""

from __future__ import annotations

from pathlib import Path

import pytest

SNAPSHOTS = (Path(__file__).parents[2] / ".." / "shared" / "k8s-snapshots").resolve()


@pytest.fixture(scope="session")
def snapshots() -> Path:
    """The folder of real snapshots; CI keeps it beside the checkout."""
    assert SNAPSHOTS.is_dir(), f"the real snapshots are missing: {SNAPSHOTS}"
    return SNAPSHOTS
