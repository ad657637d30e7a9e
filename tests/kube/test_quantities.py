"""Kubernetes quantities: the grammar, exact values, rounding, and clear refusals."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.errors import ArchgraphError, InvalidArgument
from service.kube.quantities import (
    BINARY_SUFFIXES,
    DECIMAL_SUFFIXES,
    MAX_CPU_MILLICORES,
    MAX_MEMORY_BYTES,
    MAX_QUANTITY_LENGTH,
    format_cpu,
    format_memory,
    parse_cpu,
    parse_memory,
    parse_quantity,
    parse_units,
)


@pytest.mark.parametrize(
    ("text", "millicores"),
    [
        ("250m", 250),  # millicores
        ("2", 2000),  # whole CPUs
        ("1.5", 1500),  # a decimal fraction
        ("0.5", 500),  # below one CPU
        (".5", 500),  # the grammar allows a bare fraction
        ("1.", 1000),  # ... and a trailing point
        ("+1", 1000),  # an explicit sign
        ("-0", 0),  # negative zero is zero
        ("0", 0),  # nothing requested
        ("0.0001", 1),  # sub-millicore rounds up, like Quantity.MilliValue()
        ("1n", 1),  # nano rounds up to one millicore
        ("1500u", 2),  # micro: 1.5m rounds up to 2m
        ("1e3", 1_000_000),  # a decimal exponent: 1000 CPUs
        ("5E-3", 5),  # an upper-case exponent, negative
        ("1k", 1_000_000),  # kilo CPUs
        ("1Ki", 1_024_000),  # binary suffixes apply to CPU too
        ("007", 7000),  # leading zeros
    ],
)
def test_cpu_quantities_become_millicores(text: str, millicores: int) -> None:
    assert parse_cpu(text, "cpu") == millicores


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512Mi", 512 * 2**20),  # binary mebibytes
        ("4Gi", 4 * 2**30),  # gibibytes
        ("1.5Gi", 3 * 2**29),  # a fraction of a binary unit, exactly
        ("1G", 10**9),  # decimal gigabytes
        ("1000M", 10**9),  # decimal megabytes
        ("128974848", 128974848),  # plain bytes
        ("129e6", 129_000_000),  # an exponent
        ("1e9", 10**9),  # the exponent form of 1G
        ("0.5", 1),  # half a byte rounds up, like Quantity.Value()
        ("1m", 1),  # a milli-byte rounds up too
        ("8Pi", MAX_MEMORY_BYTES),  # exactly the bound
    ],
)
def test_memory_quantities_become_bytes(text: str, size: int) -> None:
    assert parse_memory(text, "memory") == size


def test_e_alone_is_exa_not_an_exponent() -> None:
    assert parse_quantity("1E", "memory") == 10**18
    with pytest.raises(InvalidArgument, match=r"^memory: '1E' is more than the limit of 8Pi$"):
        parse_memory("1E", "memory")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a negative request or capacity
        ("-1", "scenario.nodes[1].cpu: '-1' is negative; a CPU quantity must be at least 0"),
        # two decimal points
        (
            "1.5.2",
            "scenario.nodes[1].cpu: '1.5.2' is not a Kubernetes quantity: unknown suffix '.2'; "
            "expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, "
            "e.g. 250m, 2, 1.5",
        ),
        # a suffix Kubernetes does not know
        ("10Qi", "scenario.nodes[1].cpu: '10Qi' is not a Kubernetes quantity: unknown suffix 'Qi'"),
        # nothing at all
        (
            "",
            "scenario.nodes[1].cpu: '' is not a Kubernetes quantity: expected a number with an "
            "optional suffix",
        ),
        # upper-case K is not kilo
        ("1K", "unknown suffix 'K'"),
        # an exponent without digits
        ("1e", "unknown suffix 'e'"),
        # a point and no digits (Kubernetes' parser reads it as 0; its grammar does not allow it)
        (".", "expected a number"),
        # whitespace is not trimmed
        (" 1", "expected a number"),
        ("1 ", "unknown suffix ' '"),
        # digits that are not ASCII
        ("١", "expected a number"),
        # over the bound
        ("2M", "'2M' is more than the limit of 1000000 CPUs"),
        # a huge exponent is refused without computing it
        ("1e999999999", "more than the limit"),
        # too many digits
        ("9" * 65, f"longer than {MAX_QUANTITY_LENGTH} characters"),
    ],
)
def test_malformed_cpu_quantities_name_the_field_and_value(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_cpu(text, "scenario.nodes[1].cpu")
    assert message in str(raised.value)
    assert raised.value.field == "scenario.nodes[1].cpu"


def test_memory_errors_suggest_memory_examples() -> None:
    with pytest.raises(InvalidArgument, match=r"e\.g\. 512Mi, 4Gi, 1G, 128974848$"):
        parse_memory("4GB", "scenario.deployments[0].memory")


def test_a_tiny_positive_exponent_still_rounds_up_to_one_unit() -> None:
    assert parse_memory("1e-999999", "memory") == 1
    assert parse_cpu("1e-999999", "cpu") == 1


def test_quantities_are_exact_fractions() -> None:
    assert parse_quantity("1.5Ki", "memory") == Fraction(1536)
    assert parse_quantity("-250m", "cpu") == Fraction(-1, 4)


@pytest.mark.parametrize(
    ("millicores", "text"), [(0, "0"), (250, "250m"), (2000, "2"), (1500, "1500m")]
)
def test_cpu_formats_in_kubernetes_notation(millicores: int, text: str) -> None:
    assert format_cpu(millicores) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0"), (16 * 2**30, "16Gi"), (10**9, "1G"), (1536 * 2**20, "1536Mi"), (1001, "1001")],
)
def test_memory_formats_in_kubernetes_notation(size: int, text: str) -> None:
    assert format_memory(size) == text


# -- properties ---------------------------------------------------------------------------------
@given(st.integers(0, MAX_CPU_MILLICORES))
def test_cpu_round_trips_through_its_notation(millicores: int) -> None:
    assert parse_cpu(format_cpu(millicores), "cpu") == millicores
    assert parse_cpu(f"{millicores}m", "cpu") == millicores


@given(st.integers(0, MAX_MEMORY_BYTES))
def test_memory_round_trips_through_its_notation(size: int) -> None:
    assert parse_memory(format_memory(size), "memory") == size
    assert parse_memory(str(size), "memory") == size


@given(
    st.integers(0, 10**6),
    st.sampled_from(sorted(BINARY_SUFFIXES)),
)
def test_binary_suffixes_are_powers_of_1024(number: int, suffix: str) -> None:
    expected = number * 2 ** BINARY_SUFFIXES[suffix]
    if expected <= MAX_MEMORY_BYTES:
        assert parse_memory(f"{number}{suffix}", "memory") == expected


@given(st.integers(0, 10**6), st.sampled_from(sorted(DECIMAL_SUFFIXES)))
def test_decimal_suffixes_are_exact_powers_of_ten(number: int, suffix: str) -> None:
    exact = Fraction(number) * Fraction(10) ** DECIMAL_SUFFIXES[suffix]
    assert parse_quantity(f"{number}{suffix}", "q") == exact


@given(st.integers(1, 10**9), st.integers(0, 9))
def test_a_decimal_fraction_is_the_same_as_its_exponent_form(mantissa: int, places: int) -> None:
    digits = str(mantissa).rjust(places + 1, "0")
    decimal = f"{digits[: len(digits) - places]}.{digits[len(digits) - places :]}"
    assert parse_quantity(decimal, "q") == parse_quantity(f"{mantissa}e-{places}", "q")


_QUANTITY_ALPHABET = "0123456789.+-eEinumkKMGTPQ "


@given(st.one_of(st.text(max_size=80), st.text(_QUANTITY_ALPHABET, max_size=12)))
def test_any_text_parses_or_is_refused_clearly(text: str) -> None:
    for parse in (parse_cpu, parse_memory):
        try:
            value = parse(text, "scenario.x")
        except ArchgraphError as error:
            assert str(error).startswith("scenario.x: ")
            assert isinstance(error, InvalidArgument)
        else:
            assert isinstance(value, int) and value >= 0


@given(
    st.integers(0, 10**16).map(str) | st.from_regex(r"0{1,3}[0-9]{1,4}", fullmatch=True),
    st.sampled_from(["", "m", "k", "M", "G", "T", "P", "Ki", "Mi", "Gi", "Ti", "Pi", "n", "Ei"]),
)
def test_the_integer_reading_of_plain_quantities_is_the_exact_one(digits: str, suffix: str) -> None:
    """parse_cpu/parse_memory/parse_units read ``<digits><suffix>`` with integers: the same
    value, or the same error, as rounding up the exact fraction."""
    text = digits + suffix
    for parse, unit, limit in ((parse_cpu, 1000, MAX_CPU_MILLICORES),
                               (parse_memory, 1, MAX_MEMORY_BYTES), (parse_units, 1, 2**53)):  # fmt: skip
        exact = parse_quantity(text, "q") * unit
        expected = -(-exact.numerator // exact.denominator)
        if expected <= limit:
            assert parse(text, "q") == expected
        else:
            with pytest.raises(InvalidArgument, match=r"^q: .* is more than the limit of "):
                parse(text, "q")
