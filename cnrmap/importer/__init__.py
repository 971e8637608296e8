"""Bring your own indicator: read a CSV or XLSX of values per territory and match it to the COG.

Uploaded files are parsed from bytes in memory and never written to disk, within the limits of
:mod:`cnrmap.importer.limits` (size, shape, hostile workbooks, time). The result says, in French, what
happened to every row: matched, unknown code, duplicated code, non-numeric value or empty value.

Public API: :func:`import_indicator`, :class:`ImportResult`, :class:`ImportReport`,
:func:`reference_for_settings` (the :class:`CodeIndex` of the installed COG), :func:`read_table`,
:func:`guess_columns`, and the limit constants. The ``cnrmap import`` command is
:mod:`cnrmap.cli.import_indicator`.

Modules: :mod:`~cnrmap.importer.read` (bytes → table of strings), :mod:`~cnrmap.importer.values`
(numbers), :mod:`~cnrmap.importer.match` (codes → territories), :mod:`~cnrmap.importer.report`,
:mod:`~cnrmap.importer.limits`.
"""

from __future__ import annotations

import pandas as pd

from cnrmap.errors import DataError, Problem
from cnrmap.geo.codes import loose_commune_code, loose_department_code
from cnrmap.importer.limits import (
    DEFAULT_LIMITS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_CSV_LINES,
    MAX_LINE_BYTES,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_XML_DEPTH,
    MAX_XML_ELEMENTS_OUTSIDE_RECORDS,
    MAX_XML_ELEMENTS_PER_RECORD,
    MAX_ZIP_ENTRIES,
    RATIO_GRACE_BYTES,
    TIME_BUDGET_SECONDS,
    Deadline,
    Limits,
    check_size,
)
from cnrmap.importer.match import CodeIndex, Suggester, detect_level, guess_columns, reference_for_settings
from cnrmap.importer.read import RawTable, read_table
from cnrmap.importer.report import (
    DuplicatedCode,
    ImportReport,
    ImportResult,
    Level,
    Suggestion,
    UnknownCode,
)
from cnrmap.importer.values import decimal_mark, parse_number

__all__ = [
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_CSV_LINES",
    "MAX_LINE_BYTES",
    "MAX_ROWS",
    "MAX_SHEETS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_XML_DEPTH",
    "MAX_XML_ELEMENTS_OUTSIDE_RECORDS",
    "MAX_XML_ELEMENTS_PER_RECORD",
    "MAX_ZIP_ENTRIES",
    "RATIO_GRACE_BYTES",
    "TIME_BUDGET_SECONDS",
    "CodeIndex",
    "DuplicatedCode",
    "ImportReport",
    "ImportResult",
    "Level",
    "Limits",
    "RawTable",
    "Suggestion",
    "UnknownCode",
    "guess_columns",
    "import_indicator",
    "read_table",
    "reference_for_settings",
]

# Beyond a few hundred unknown codes the file is probably at another level or vintage: no more suggestions.
SUGGESTION_LOOKUPS = 300


def _check_column(raw: RawTable, column: str | None, role: str, option: str, filename: str) -> str:
    columns = [str(c) for c in raw.frame.columns]
    if column is None:
        raise DataError(
            f"Aucune colonne de {role} trouvée dans {filename!r} (colonnes : {', '.join(map(repr, columns))}).",
            hint=f"Indiquez-la avec {option}.",
        )
    if column not in columns:
        raise DataError(
            f"Colonne {column!r} introuvable dans {filename!r}.",
            problems=[Problem(filename, f"colonne disponible : {c!r}") for c in columns],
            hint=f"Choisissez l'une des colonnes disponibles avec {option}.",
        )
    return column


def import_indicator(
    data: bytes,
    filename: str,
    *,
    reference: CodeIndex,
    code_column: str | None = None,
    value_column: str | None = None,
    name: str | None = None,
    unit: str | None = None,
    max_bytes: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportResult:
    """Read an uploaded indicator file and match its codes to the reference.

    Parameters
    ----------
    data:
        The file content (CSV or XLSX); never written to disk.
    filename:
        The name shown in messages.
    reference:
        Known codes and names (:class:`CodeIndex`, see :func:`reference_for_settings`).
    code_column, value_column:
        Chosen columns; guessed by :func:`guess_columns` when ``None``.
    name, unit:
        The indicator's name and unit, echoed in the report and the download.
    max_bytes:
        Size limit; ``limits.max_bytes`` when ``None``.
    limits:
        Every bound of the import, time budget included (:mod:`cnrmap.importer.limits`).

    Returns
    -------
    ImportResult
        Check ``result.usable``; ``result.report.to_french()`` says what happened to every row.

    Raises
    ------
    DataError
        When the file is too large, unreadable, empty, header-only, past a limit of ``limits`` (shape,
        hostile workbook, time budget), or a column is missing.
    """
    check_size(len(data), filename, limits.max_bytes if max_bytes is None else max_bytes)
    deadline = Deadline(limits.time_budget, filename)
    raw = read_table(data, filename, limits=limits, deadline=deadline)
    if code_column is None or value_column is None:
        chosen = [c for c in (code_column, value_column) if c is not None]
        guessed_code, guessed_value = guess_columns(raw, reference, exclude=chosen)
        code_column = code_column if code_column is not None else guessed_code
        if value_column is None:
            value_column = guessed_value if guessed_value != code_column else None
    code_column = _check_column(raw, code_column, "codes INSEE", "--code-column", filename)
    value_column = _check_column(raw, value_column, "valeurs", "--value-column", filename)
    if code_column == value_column:
        raise DataError(
            f"La même colonne {code_column!r} est choisie pour les codes et pour les valeurs.",
            hint="Choisissez deux colonnes différentes.",
        )
    frame = raw.frame
    codes = [c if isinstance(c, str) else "" for c in frame[code_column].tolist()]
    values = [v if isinstance(v, str) else "" for v in frame[value_column].tolist()]
    rows = [int(r) for r in frame.index]
    decimal = decimal_mark(v for v in values if v.strip())
    numbers = [parse_number(v, decimal) if v.strip() else None for v in values]
    # The rows that carry a number decide the level: placeholders such as "." (secret statistique) on
    # department-like codes must not turn a commune file into a department file (issue 14).
    voters = [c for c, n in zip(codes, numbers, strict=True) if c.strip() and n is not None]
    level = detect_level(voters or [c for c in codes if c.strip()], reference)
    normalize = loose_commune_code if level == "commune" else loose_department_code
    known = reference.communes if level == "commune" else reference.departements

    report = ImportReport(
        filename=filename,
        encoding=raw.encoding,
        separator=raw.separator,
        decimal=decimal,
        code_column=code_column,
        value_column=value_column,
        level=level,
        rows_read=len(rows),
        notes=list(raw.notes),
        name=name,
        unit=unit,
    )
    unknown: dict[str, list[int]] = {}
    first: dict[str, tuple[int, float]] = {}
    dups: dict[str, list[tuple[int, float]]] = {}
    for i, (row, code_raw, value_raw, number) in enumerate(zip(rows, codes, values, numbers, strict=True)):
        if i % 4096 == 0:
            deadline.check("rapprochement des codes")
        if not code_raw.strip() and not value_raw.strip():
            report.empty.append((row, "ligne vide"))
            continue
        if not code_raw.strip():
            report.empty.append((row, f"code vide (valeur {value_raw.strip()!r})"))
            continue
        if not value_raw.strip():
            report.empty.append((row, f"valeur vide (code {code_raw.strip()!r})"))
            continue
        if number is None:  # before the code: a row without a number says nothing of the file's level
            report.non_numeric.append((row, value_raw.strip()))
            continue
        code = normalize(code_raw) if level else None
        if code is None or code not in known:
            unknown.setdefault(code_raw.strip(), []).append(row)
            continue
        if code in first:
            dups.setdefault(code, []).append((row, number))
            continue
        first[code] = (row, number)
    suggest = Suggester(reference, level)
    for i, (raw_code, unknown_rows) in enumerate(unknown.items()):
        deadline.check("suggestions pour les codes inconnus")
        suggestions = suggest(raw_code) if i < SUGGESTION_LOOKUPS else ()
        report.unknown_codes.append(UnknownCode(raw_code, tuple(unknown_rows), suggestions))
    for code, others in dups.items():
        kept_row, kept_value = first[code]
        report.duplicated_codes.append(
            DuplicatedCode(code, kept_row, tuple(r for r, _ in others), all(v == kept_value for _, v in others))
        )
    report.matched_rows = sorted(r for r, _ in first.values())
    kept = sorted((row, code, value) for code, (row, value) in first.items())
    table = pd.DataFrame(
        {
            "code": pd.Series([c for _, c, _ in kept], dtype=object),
            "value": pd.Series([v for _, _, v in kept], dtype="float64"),
        },
    )
    table.index = pd.Index([r for r, _, _ in kept], name="ligne")
    names = {code: known[code] for code in first}
    return ImportResult(values=table, level=level, report=report, names=names)
