"""Any resource's quantity in the unit the scheduler counts it in (``parse_resource``)."""

from __future__ import annotations

import pytest

from service.errors import InvalidArgument
from service.kube.quantities import MAX_UNITS, parse_resource, parse_units


@pytest.mark.parametrize(
    ("name", "text", "amount"),
    [
        ("cpu", "3500m", 3500),  # millicores
        ("cpu", "4", 4000),
        ("memory", "29222Mi", 29222 << 20),
        ("memory", "30770604Ki", 30770604 << 10),
        ("ephemeral-storage", "95087093603", 95087093603),  # plain bytes
        ("hugepages-2Mi", "0", 0),
        ("pods", "110", 110),
        ("nvidia.com/gpu", "1", 1),
        ("attachable-volumes-gce-pd", "127", 127),
        ("example.com/widgets", "2k", 2000),
        ("example.com/widgets", "0.5", 1),  # Value() rounds up
        ("memory", "1e3", 1000),  # an exponent
    ],
)
def test_parse_resource(name: str, text: str, amount: int) -> None:
    assert parse_resource(name, text, "f") == amount


def test_a_count_out_of_bounds_or_negative_names_the_field() -> None:
    with pytest.raises(
        InvalidArgument, match=r"^f: '-1' is negative; a resource quantity must be at least 0$"
    ):
        parse_units("-1", "f")
    with pytest.raises(InvalidArgument, match=rf"^f: '1E' is more than the limit of {MAX_UNITS}$"):
        parse_units("1E", "f")
    with pytest.raises(InvalidArgument, match=r"e\.g\. 1, 110, 2k$"):
        parse_resource("nvidia.com/gpu", "one", "f")
