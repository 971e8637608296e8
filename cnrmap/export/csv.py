"""CSV export for spreadsheets, safe against formula injection.

Two variants, both UTF-8 with a BOM (Excel needs it to recognise UTF-8):

- ``"utf8-bom"``: ``,`` separator and decimal point;
- ``"semicolon"``: ``;`` separator and decimal comma, as French spreadsheets expect.

Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with ``'`` so a
spreadsheet shows them as text instead of running them. Numeric cells are never touched (a negative
number stays a number), nor are text cells that are plain numbers (``"-12"``): a spreadsheet cannot run those.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

Variant = Literal["utf8-bom", "semicolon"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def neutralize(value: object) -> object:
    """Prefix a text cell that a spreadsheet would read as a formula with ``'``; return others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def to_csv_bytes(df: pd.DataFrame, variant: Variant = "utf8-bom") -> bytes:
    """Serialise a frame for download.

    Parameters
    ----------
    df:
        The table; its index is not written.
    variant:
        ``"utf8-bom"`` (``,`` and decimal point) or ``"semicolon"`` (``;`` and decimal comma).

    Returns
    -------
    bytes
        UTF-8 with BOM, formula-like text cells neutralised.
    """
    if variant == "utf8-bom":
        sep, decimal = ",", "."
    elif variant == "semicolon":
        sep, decimal = ";", ","
    else:
        raise ValueError(f"unknown CSV variant {variant!r}; expected 'utf8-bom' or 'semicolon'")
    safe = df.copy()
    safe.columns = [neutralize(str(c)) for c in safe.columns]
    for column in safe.columns:
        series = safe[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            safe[column] = series.map(neutralize)
    text = safe.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\r\n")
    return text.encode("utf-8-sig")
