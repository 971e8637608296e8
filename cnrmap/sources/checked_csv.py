"""Checked reading of the indicator tables and fetched open-data CSV files.

Every reading problem (missing or empty file, header only, wrong encoding or separator, unbalanced
quote or wrong number of fields, missing column, non-numeric value, duplicated code) raises one
:class:`~cnrmap.errors.DataError` in French naming the file, the line and the column, with what to do.
The happy path stays vectorised (pandas parser, no loop over the rows); the rows are only walked
to describe problems once one is found.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cnrmap.config import find_root
from cnrmap.errors import DataError, Problem

FIRST_DATA_LINE = 2  # line 1 is the header
MAX_LISTED = 20  # problems listed per kind before « … »

_BLANK_BYTES = np.array([9, 13, 32], dtype=np.uint8)
_QUOTED = re.compile(r'"[^"]*"')
_SEPARATOR_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}


def display_path(path: Path, root: Path | None = None) -> str:
    """``path`` relative to the project when it is inside it (``data/indicators/…``), else as given.

    ``root`` defaults to :func:`cnrmap.config.find_root` (the path is shown as given when there is none).
    """
    path = Path(path)
    try:
        return str(path.resolve().relative_to(root if root is not None else find_root()))
    except (ValueError, DataError):
        return str(path)


def decode_utf8(raw: bytes, label: str, hint: str | None) -> str:
    """UTF-8 text of a file's bytes (a BOM is dropped); a French :class:`DataError` naming the first bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1]
        raise DataError(
            f"{label} n'est pas encodé en UTF-8 (octet {byte!r} à la ligne {line} : fichier en Latin-1 ou "
            "Windows-1252 ?).",
            [
                Problem(
                    label, f"n'est pas encodé en UTF-8 : octet {byte!r} invalide (Latin-1 ou Windows-1252 ?)", row=line
                )
            ],
            hint=hint,
        ) from exc


def _detect_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in _SEPARATOR_NAMES}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def _check_structure(text: str, sep: str, width: int, label: str, hint: str | None) -> None:
    """Unbalanced quotes and lines whose number of fields differs from the header (vectorised)."""
    unquoted = _QUOTED.sub("", text) if '"' in text else text
    quote = unquoted.find('"')
    if quote >= 0:
        line = unquoted.count("\n", 0, quote) + 1
        raise DataError(
            f"{label} ne peut pas être lu : guillemet non fermé à partir de la ligne {line} (fichier tronqué ?).",
            [Problem(label, "guillemet ouvert jamais refermé", row=line)],
            hint=hint,
        )
    data = np.frombuffer(unquoted.encode("utf-8"), dtype=np.uint8)
    newlines = np.flatnonzero(data == ord("\n"))
    starts = np.concatenate(([0], newlines + 1))
    ends = np.append(newlines, len(data))
    separators = np.concatenate(([0], np.cumsum(data == ord(sep))))
    visible = np.concatenate(([0], np.cumsum(~np.isin(data, _BLANK_BYTES))))
    counts = pd.Series(separators[ends] - separators[starts] + 1)
    blank = visible[ends] == visible[starts]
    wrong = (counts != width) & ~blank
    wrong.iloc[0] = False
    if wrong.any():
        bad = counts[wrong]
        problems = [
            Problem(
                label,
                f"{count} champ(s) au lieu de {width} (séparateur manquant ou en trop, ou fichier tronqué ?)",
                row=int(index) + 1,
            )
            for index, count in bad.iloc[:MAX_LISTED].items()
        ]
        if len(bad) > MAX_LISTED:
            problems.append(Problem(label, f"… et {len(bad) - MAX_LISTED} autre(s) ligne(s) de ce type"))
        raise DataError(f"{label} ne peut pas être lu : nombre de champs incorrect.", problems, hint=hint)


def read_csv_frame(
    path: Path, *, label: str | None = None, hint: str | None = None, sep: str | None = ","
) -> pd.DataFrame:
    """Every cell of a CSV file as text (stripped of nothing), index = line number in the file.

    ``sep=None`` takes the most frequent of ``,`` ``;`` and tab in the header line.

    Raises
    ------
    DataError
        Missing, unreadable or empty file, not UTF-8, wrong separator, unbalanced quote, wrong
        number of fields, header without any data line.
    """
    path = Path(path)
    label = label or display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(f"Fichier introuvable : {label}.", hint=hint) from exc
    except OSError as exc:
        raise DataError(f"{label} ne peut pas être ouvert ({exc.strerror}).", hint=hint) from exc
    text = decode_utf8(raw, label, hint)
    if not text.strip():
        raise DataError(f"{label} est vide.", [Problem(label, "fichier vide")], hint=hint)
    header_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    if sep is None:
        sep = _detect_separator(header_line)
    others = [s for s in _SEPARATOR_NAMES if s != sep and s in header_line]
    if sep not in header_line and others:
        found, expected = _SEPARATOR_NAMES[others[0]], _SEPARATOR_NAMES[sep]
        raise DataError(
            f"{label} semble séparé par des {found}s alors que le séparateur attendu est la {expected}.",
            [Problem(label, f"en-tête {header_line[:120]!r}", row=1)],
            hint=hint,
        )
    text = text.lstrip("\r\n")
    width = len(pd.read_csv(io.StringIO(header_line), sep=sep, nrows=0, dtype=str).columns)
    _check_structure(text, sep, width, label, hint)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False, engine="c"
        )
    except (pd.errors.ParserError, ValueError) as exc:  # safety net: _check_structure catches the usual cases
        raise DataError(f"{label} n'est pas un CSV lisible ({exc}).", hint=hint) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(FIRST_DATA_LINE, FIRST_DATA_LINE + len(frame), name="ligne")
    if len(frame):
        blank = (frame == "").all(axis=1)
        if blank.any():
            frame = frame[~blank]
    if frame.empty:
        raise DataError(
            f"{label} ne contient que l'en-tête, aucune ligne de données.",
            [Problem(label, "aucune ligne de données", row=FIRST_DATA_LINE)],
            hint=hint,
        )
    return frame


def check_columns(frame: pd.DataFrame, required: Iterable[str], *, label: str, hint: str | None = None) -> None:
    """Raise :class:`DataError` naming every column of ``required`` absent from ``frame``."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns[:15])
        raise DataError(
            f"{label} : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)} (colonnes lues : {found}).",
            [Problem(label, "colonne absente", row=1, column=name) for name in missing],
            hint=hint,
        )


def _listed(problems: list[Problem], extra: int, label: str, column: str | None = None) -> list[Problem]:
    if extra > 0:
        problems.append(Problem(label, f"… et {extra} autre(s) valeur(s) de ce type", column=column))
    return problems


def number_problems(
    frame: pd.DataFrame,
    column: str,
    *,
    label: str,
    decimal_comma: bool = False,
    integer: bool = False,
    required: bool = False,
) -> tuple[pd.Series, list[Problem]]:
    """``frame[column]`` as numbers, and the problems of the cells that are not numbers.

    Empty cells give NaN (a problem when ``required``); ``decimal_comma`` accepts ``3,5``;
    ``integer`` asks for whole numbers (returned as ``int64`` when no cell is empty).
    """
    text = frame[column].str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    empty = text == ""
    numbers = pd.to_numeric(text.mask(empty), errors="coerce")
    bad = numbers.isna() & ~empty
    expected = "un nombre entier" if integer else ("un nombre" if decimal_comma else "un nombre (point décimal)")
    if integer:
        bad |= numbers.notna() & (numbers % 1 != 0)
    if required:
        bad |= empty
    if not bad.any():
        if integer and not empty.any():
            numbers = numbers.astype("int64")
        return numbers, []
    cells = frame.loc[bad, column]
    problems = [
        Problem(label, f"valeur {value!r} : {expected} est attendu", row=int(line), column=column)
        for line, value in cells.iloc[:MAX_LISTED].items()
    ]
    return numbers, _listed(problems, len(cells) - MAX_LISTED, label, column)


def duplicate_problems(frame: pd.DataFrame, key: Sequence[str], *, label: str) -> list[Problem]:
    """One problem per key value present on several lines (and per empty key cell)."""
    problems: list[Problem] = []
    keys = frame[list(key)]
    empty = (keys.apply(lambda c: c.str.strip()) == "").any(axis=1)
    for line in empty[empty].index[:MAX_LISTED]:
        problems.append(Problem(label, "code vide", row=int(line), column=key[-1]))
    duplicated = keys.duplicated(keep=False) & ~empty
    if duplicated.any():
        groups = keys[duplicated].groupby(list(key), sort=False).groups
        for value, lines in list(groups.items())[:MAX_LISTED]:
            shown = value if len(key) > 1 else (value[0] if isinstance(value, tuple) else value)
            where = ", ".join(str(int(line)) for line in lines[:10])
            problems.append(
                Problem(label, f"code {shown!r} en double (lignes {where})", row=int(lines[1]), column=key[-1])
            )
        problems = _listed(problems, len(groups) - MAX_LISTED, label, key[-1])
    return problems


def read_checked_csv(
    path: Path,
    required_columns: Iterable[str],
    numeric_columns: Iterable[str] = (),
    key: str | Sequence[str] | None = None,
    *,
    label: str | None = None,
    hint: str | None = None,
    sep: str | None = ",",
    integer_columns: Iterable[str] = (),
    decimal_comma: bool = False,
    line_index: bool = False,
) -> pd.DataFrame:
    """Read a CSV file and check it: columns present, numbers parseable, ``key`` unique and filled.

    Parameters
    ----------
    path:
        The file.
    required_columns:
        Columns that must be in the header.
    numeric_columns:
        Columns converted to numbers (empty cells give NaN); other columns stay text.
    key:
        Column (or columns) whose values must be unique and non-empty.
    label:
        How the file is named in messages (default: path relative to the project).
    hint:
        What to do, in French (the command that restores or downloads the file).
    sep:
        Separator (``None``: detected from the header line).
    integer_columns:
        Columns that must hold whole numbers in every row (``int64``).
    decimal_comma:
        Accept a comma as decimal separator in the numeric columns.
    line_index:
        Keep the file line numbers as index (default: a fresh ``RangeIndex``).

    Raises
    ------
    DataError
        With every problem found (file, line, column, value) and ``hint``.
    """
    label = label or display_path(Path(path))
    frame = read_csv_frame(path, label=label, hint=hint, sep=sep)
    numeric, integers = list(numeric_columns), list(integer_columns)
    keys = [key] if isinstance(key, str) else list(key or ())
    check_columns(frame, dict.fromkeys([*required_columns, *numeric, *integers, *keys]), label=label, hint=hint)
    problems: list[Problem] = []
    converted: dict[str, pd.Series] = {}
    for column in numeric:
        converted[column], found = number_problems(frame, column, label=label, decimal_comma=decimal_comma)
        problems += found
    for column in integers:
        converted[column], found = number_problems(frame, column, label=label, integer=True, required=True)
        problems += found
    if keys:
        problems += duplicate_problems(frame, keys, label=label)
    if problems:
        raise DataError(f"{label} ne peut pas être utilisé tel quel.", problems, hint=hint)
    if converted:
        frame = frame.assign(**converted)
    return frame if line_index else frame.reset_index(drop=True)
