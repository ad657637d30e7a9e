"""Kubernetes resource quantities (``250m``, ``1.5``, ``512Mi``, ``1e9``), parsed exactly.

The grammar is Kubernetes' own (``k8s.io/apimachinery/pkg/api/resource.Quantity``)::

    quantity        ::= signedNumber suffix
    signedNumber    ::= number | ("+" | "-") number
    number          ::= digits | digits "." digits | digits "." | "." digits
    suffix          ::= binarySI | decimalSI | decimalExponent
    binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei                 (powers of 1024)
    decimalSI       ::= n | u | m | "" | k | M | G | T | P | E     (powers of 1000)
    decimalExponent ::= ("e" | "E") signed integer                   (1e9, 5E-3)

``E`` alone is exa; ``E`` followed by digits is an exponent. Arithmetic is exact
(integers and fractions, never floats). Like ``Quantity.MilliValue()`` and
``Quantity.Value()``, a value finer than the unit rounds *up*: ``0.0001`` CPU is 1
millicore, ``0.5`` bytes is 1 byte. Requests and capacities cannot be negative.

Beyond Kubernetes, two bounds keep hostile input cheap: a quantity is at most
:data:`MAX_QUANTITY_LENGTH` characters, CPU at most :data:`MAX_CPU_MILLICORES`,
memory at most :data:`MAX_MEMORY_BYTES`.

:func:`parse_resource` reads any resource the way the scheduler counts it
(``pkg/scheduler/framework/types.go Resource``): ``cpu`` in millicores
(``MilliValue()``), everything else — memory, ``ephemeral-storage``, ``hugepages-*``,
``pods`` and extended resources such as ``nvidia.com/gpu`` — in base units (``Value()``).
"""

from __future__ import annotations

import re
from fractions import Fraction

from service.errors import InvalidArgument

MAX_QUANTITY_LENGTH = 64
MAX_CPU_MILLICORES = 1_000_000_000  # one million CPUs
MAX_MEMORY_BYTES = 2**53  # 8Pi: exact as a float, so every figure survives JSON

DECIMAL_SUFFIXES = {
    **{"n": -9, "u": -6, "m": -3, "": 0},
    **{"k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18},
}
BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
SUFFIX_HELP = "n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3"
CPU_EXAMPLES = "250m, 2, 1.5"
MEMORY_EXAMPLES = "512Mi, 4Gi, 1G, 128974848"
UNIT_EXAMPLES = "1, 110, 2k"
MAX_UNITS = 2**53  # pods and extended resources: the same bound as memory

_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?P<suffix>.*)", re.S)
_EXPONENT = re.compile(r"[eE](?P<exp>[+-]?[0-9]+)")
# Beyond these decimal exponents a value is certainly over any bound, or under one unit.
_HUGE, _TINY = 40, -(MAX_QUANTITY_LENGTH + 40)


def parse_quantity(value: str, field: str, examples: str = CPU_EXAMPLES) -> Fraction:
    """The exact value of a Kubernetes quantity (in its base unit: cores, bytes).

    Parameters
    ----------
    value : the quantity as written, e.g. ``"1.5Gi"``.
    field : the argument path named in errors, e.g. ``"scenario.nodes[1].memory"``.
    examples : valid quantities suggested in the error message.

    Returns
    -------
    Fraction : the signed value; exponents far beyond any bound are clamped so that
    hostile input stays cheap (the result is then still over every limit, or below 1e-64).

    Raises
    ------
    InvalidArgument : naming ``field`` and the value, when it is not a quantity.

    Examples
    --------
    >>> parse_quantity("1.5Ki", "memory")
    Fraction(1536, 1)
    """
    if not isinstance(value, str):
        raise InvalidArgument(field, f"{value!r} is not a Kubernetes quantity (a string)")
    if len(value) > MAX_QUANTITY_LENGTH:
        shown = value[:MAX_QUANTITY_LENGTH] + "…"
        raise InvalidArgument(
            field,
            f"{shown!r} is not a Kubernetes quantity: longer than {MAX_QUANTITY_LENGTH} characters",
        )
    match = _NUMBER.fullmatch(value)
    assert match is not None  # the pattern accepts any string
    digits, fraction = match["int"], match["frac"] or ""
    if not digits and not fraction:
        raise InvalidArgument(
            field,
            f"{value!r} is not a Kubernetes quantity: expected a number with an optional "
            f"suffix ({SUFFIX_HELP}), e.g. {examples}",
        )
    exponent10, exponent2 = _suffix_exponents(value, match["suffix"], field, examples)
    mantissa = int(digits + fraction or "0")
    if match["sign"] == "-":
        mantissa = -mantissa
    exponent10 -= len(fraction)
    if mantissa == 0:
        return Fraction(0)
    magnitude = len(str(abs(mantissa))) + exponent10 + exponent2 * 3 // 10
    if magnitude > _HUGE:
        exponent10, exponent2 = _HUGE, 0
    elif magnitude < _TINY:
        exponent10, exponent2 = _TINY, 0
    scale = Fraction(10**exponent10) if exponent10 >= 0 else Fraction(1, 10**-exponent10)
    return Fraction(mantissa) * scale * (1 << exponent2)


def _suffix_exponents(value: str, suffix: str, field: str, examples: str) -> tuple[int, int]:
    """(power of 10, power of 2) a suffix stands for."""
    if suffix in DECIMAL_SUFFIXES:
        return DECIMAL_SUFFIXES[suffix], 0
    if suffix in BINARY_SUFFIXES:
        return 0, BINARY_SUFFIXES[suffix]
    exponent = _EXPONENT.fullmatch(suffix)
    if exponent is not None:
        return int(exponent["exp"]), 0
    raise InvalidArgument(
        field,
        f"{value!r} is not a Kubernetes quantity: unknown suffix {suffix!r}; "
        f"expected {SUFFIX_HELP}, e.g. {examples}",
    )


# The forms nearly every quantity takes (``4``, ``250m``, ``16Gi``, ``1073741824``): read with
# integer arithmetic, the same values as parse_quantity's fractions (see _whole).
_PLAIN = re.compile(r"([0-9]{1,15})(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?")
_PLAIN_SCALE: dict[str | None, tuple[int, int]] = {
    None: (0, 0),
    "m": (-3, 0),
    **{k: (v, 0) for k, v in DECIMAL_SUFFIXES.items() if v > 0},
    **{k: (0, v) for k, v in BINARY_SUFFIXES.items()},
}


def _whole(value: object, scale10: int) -> int | None:
    """``value`` × 10^``scale10`` when ``value`` is plain digits with an optional common
    suffix and the result is a whole number (then no rounding applies); else None, for
    :func:`parse_quantity` to read (or refuse) it."""
    match = _PLAIN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    exponent10, exponent2 = _PLAIN_SCALE[match[2]]
    exponent10 += scale10
    if exponent10 < 0:
        return None
    whole: int = int(match[1]) * 10**exponent10 << exponent2
    return whole


def _parse(
    value: str, field: str, examples: str, what: str, scale10: int, limit: int, shown: str
) -> int:
    """``value`` × 10^``scale10`` (1000: millicores), rounded up, as a ``what`` at most
    ``limit`` (``shown`` in the message): plain forms with integers (:func:`_whole`), the
    rest exactly (:func:`parse_quantity`)."""
    fast = _whole(value, scale10)
    if fast is not None and fast <= limit:
        return fast
    exact = parse_quantity(value, field, examples) * 10**scale10
    if exact < 0:
        raise InvalidArgument(field, f"{value!r} is negative; {what} must be at least 0")
    amount: int = -(-exact.numerator // exact.denominator)
    if amount > limit:
        raise InvalidArgument(field, f"{value!r} is more than the limit of {shown}")
    return amount


def parse_cpu(value: str, field: str = "cpu") -> int:
    """A CPU quantity in millicores, rounded up like ``Quantity.MilliValue()``.

    Raises
    ------
    InvalidArgument : malformed, negative, or more than :data:`MAX_CPU_MILLICORES`.

    Examples
    --------
    >>> [parse_cpu(v) for v in ("250m", "2", "1.5", "0.0001")]
    [250, 2000, 1500, 1]
    """
    shown = f"{format_cpu(MAX_CPU_MILLICORES)} CPUs"
    return _parse(value, field, CPU_EXAMPLES, "a CPU quantity", 3, MAX_CPU_MILLICORES, shown)


def parse_memory(value: str, field: str = "memory") -> int:
    """A memory quantity in bytes, rounded up like ``Quantity.Value()``.

    Raises
    ------
    InvalidArgument : malformed, negative, or more than :data:`MAX_MEMORY_BYTES`.

    Examples
    --------
    >>> [parse_memory(v) for v in ("512Mi", "1G", "1e3", "128974848")]
    [536870912, 1000000000, 1000, 128974848]
    """
    shown = format_memory(MAX_MEMORY_BYTES)
    return _parse(value, field, MEMORY_EXAMPLES, "a memory quantity", 0, MAX_MEMORY_BYTES, shown)


def parse_units(value: str, field: str = "quantity") -> int:
    """A count (``pods``, ``nvidia.com/gpu``) in units, rounded up like ``Quantity.Value()``.

    Raises
    ------
    InvalidArgument : malformed, negative, or more than :data:`MAX_UNITS`.

    Examples
    --------
    >>> [parse_units(v) for v in ("110", "1k", "0.5")]
    [110, 1000, 1]
    """
    return _parse(value, field, UNIT_EXAMPLES, "a resource quantity", 0, MAX_UNITS, str(MAX_UNITS))


def parse_resource(name: str, value: str, field: str) -> int:
    """A quantity of resource ``name`` in the unit the scheduler counts it in.

    ``cpu`` in millicores; memory, ``ephemeral-storage`` and ``hugepages-*`` in bytes;
    ``pods`` and extended resources in units. Every one rounds up.

    Raises
    ------
    InvalidArgument : naming ``field``, when ``value`` is not a valid quantity.

    Examples
    --------
    >>> parse_resource("memory", "29222Mi", "m"), parse_resource("nvidia.com/gpu", "1", "g")
    (30641487872, 1)
    """
    if name == "cpu":
        return parse_cpu(value, field)
    if name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
        return parse_memory(value, field)
    return parse_units(value, field)


def format_cpu(millicores: int) -> str:
    """Millicores in Kubernetes notation: whole CPUs as ``2``, else ``1500m``."""
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def format_memory(size: int) -> str:
    """Bytes in Kubernetes notation: the largest exact binary suffix, else decimal, else bytes."""
    if size == 0:
        return "0"
    for suffix, power in sorted(BINARY_SUFFIXES.items(), key=lambda item: -item[1]):
        if size % (1 << power) == 0:
            return f"{size >> power}{suffix}"
    for suffix, power in sorted(DECIMAL_SUFFIXES.items(), key=lambda item: -item[1]):
        if power > 0 and size % 10**power == 0:
            return f"{size // 10**power}{suffix}"
    return str(size)
