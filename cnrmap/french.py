"""French wording shared by every page, panel, legend and export: numbers, dates, ranks, sentences."""

from __future__ import annotations

import datetime as dt
import math
import re

MISSING = "Donnée manquante"

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA
    except (TypeError, ValueError):
        return False


def format_number(value: float | None, decimals: int | None = None) -> str:
    """French number: ``1 234,5`` (narrow no-break space between thousands); ``—`` when missing.

    Without ``decimals``: none from 100 or for whole numbers, one from 10, else two.
    """
    if _missing(value) or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    value = float(value)  # type: ignore[arg-type]
    if decimals is None:
        a = abs(value)
        decimals = 0 if a >= 100 or value.is_integer() else (1 if a >= 10 else 2)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_value(value: float | None, unit: str = "", decimals: int | None = None) -> str:
    """A value with its unit; :data:`MISSING` when missing."""
    if _missing(value):
        return MISSING
    text = format_number(value, decimals)
    return f"{text} {unit}".strip() if unit else text


def ordinal(n: int) -> str:
    """French ordinal of a rank: ``1er``, ``2e``…"""
    return "1er" if n == 1 else f"{n}e"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``1 projet``, ``2 projets``, ``0 projet`` (French: 0 and 1 take the singular)."""
    word = singular if abs(n) < 2 else (plural_form or singular + "s")
    return f"{format_number(n, 0)} {word}"


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def format_date(value: object) -> str:
    """``2023-11-08`` → « 8 novembre 2023 », ``2023-11`` → « novembre 2023 », ``2023`` → « 2023 ».

    A :class:`datetime.date` works too; the first of the month is written « 1er ». Text that is not an
    ISO date is returned as it is; a missing value gives ``""``.
    """
    if _missing(value) or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {MONTHS[value.month - 1]} {value.year}"
    text = str(value).strip()
    if m := _ISO_DAY.match(text):
        try:
            return format_date(dt.date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return text
    if (m := _ISO_MONTH.match(text)) and 1 <= int(m[2]) <= 12:
        return f"{MONTHS[int(m[2]) - 1]} {m[1]}"
    return text


def capitalize(text: str) -> str:
    """First letter in upper case, the rest untouched (``capitalize()`` would lower « ZIP »)."""
    return text[:1].upper() + text[1:] if text else text
