"""Numbers as users type them: decimal comma or point, thousands separators, percentages, minus signs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from cnrmap.geo.codes import SPACES

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = {sep: re.compile(r"^\d{1,3}(%s\d{3})+$" % re.escape(sep)) for sep in (" ", ".", ",")}  # noqa: UP031


def strip_number(raw: str) -> str:
    """Trim, unify minus signs and spaces, drop a trailing ``%``."""
    text = raw.strip().replace("\u2212", "-")
    if text.endswith("%"):
        text = text[:-1].rstrip()
    for space in SPACES:
        text = text.replace(space, " ")
    return text


def decimal_mark(cells: Iterable[str]) -> str:
    """Vote for the decimal mark of a column: ``","`` or ``"."``.

    A cell without any digit (``"."``, ``"-"``, ``"n.d."``) cannot be a number whatever the mark: it
    does not vote, so that placeholders cannot make the real numbers of the column unreadable.
    """
    comma = dot = 0
    for raw in cells:
        text = strip_number(raw).replace(" ", "")
        if not any(ch.isdigit() for ch in text):
            continue
        has_c, has_d = "," in text, "." in text
        if has_c and has_d:
            if text.rfind(",") > text.rfind("."):
                comma += 1
            else:
                dot += 1
        elif has_c:
            comma += 1
        elif has_d:
            if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3}){2,}", text):
                comma += 1
            else:
                dot += 1
    return "," if comma and comma >= dot else "."


def parse_number(raw: str, decimal: str) -> float | None:
    """Parse a cell with the column's decimal mark; ``None`` when not a finite number.

    Thousands separators (space, no-break spaces, and ``.`` in a decimal-comma column or ``,`` in a
    decimal-point column) are accepted only between groups of three digits. A cell that is not a
    number with the column's mark but is one with the other (``"0,5"`` in a decimal-point column) is
    read with the other: the column's mark only decides ambiguous cells such as ``"1,234"``, so a few
    odd cells cannot make the others unreadable.
    """
    value = _parse_with(raw, decimal)
    if value is None:
        value = _parse_with(raw, "." if decimal == "," else ",")
    return value


def _parse_with(raw: str, decimal: str) -> float | None:
    text = strip_number(raw)
    sign = text[:1] if text[:1] in "+-" else ""
    text = text[len(sign) :]
    if decimal == "," and "," not in text and text.count(".") == 1 and not _GROUPED["."].match(text):
        decimal = "."  # a lone decimal point in a decimal-comma column: read it as a decimal point
    thousands = "." if decimal == "," else ","
    integer = text.split(decimal)[0]
    if " " in integer:
        if not _GROUPED[" "].match(integer):
            return None
        text, integer = text.replace(" ", ""), integer.replace(" ", "")
    if thousands in integer:
        if not _GROUPED[thousands].match(integer):
            return None
        text = text.replace(thousands, "", integer.count(thousands))
    if decimal == ",":
        if text.count(",") > 1:
            return None
        text = text.replace(",", ".")
    if " " in text or not _NUMBER.match(text):
        return None
    value = float(sign + text)
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value
