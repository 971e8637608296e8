"""What happened to every row of an imported file, and how it is told to the user in French."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Level = Literal["commune", "departement"]

SEPARATOR_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation", "|": "barre verticale"}
# Rows listed per problem in the report; the rest is counted ("… et N autre(s)").
LIST_LIMIT = 50


@dataclass(frozen=True)
class Suggestion:
    """A known territory a problematic code may stand for."""

    code: str
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} ({self.code}) — {self.reason}"


@dataclass(frozen=True)
class UnknownCode:
    """A code that matches no known territory, with the rows holding it and what it may be."""

    raw_code: str
    rows: tuple[int, ...]
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class DuplicatedCode:
    """A code present on several rows: ``kept_row`` is used, ``dropped_rows`` are reported only."""

    code: str
    kept_row: int
    dropped_rows: tuple[int, ...]
    same_values: bool


@dataclass
class ImportReport:
    """What happened to every row of an imported file.

    Every row read is in exactly one of ``matched_rows``, ``unknown_codes[*].rows``,
    ``duplicated_codes[*].dropped_rows``, ``non_numeric`` and ``empty``.
    """

    filename: str
    encoding: str
    separator: str | None
    decimal: str
    code_column: str
    value_column: str
    level: Level | None
    rows_read: int
    matched_rows: list[int] = field(default_factory=list)
    unknown_codes: list[UnknownCode] = field(default_factory=list)
    duplicated_codes: list[DuplicatedCode] = field(default_factory=list)
    non_numeric: list[tuple[int, str]] = field(default_factory=list)
    empty: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    name: str | None = None
    unit: str | None = None

    @property
    def rows_matched(self) -> int:
        return len(self.matched_rows)

    @property
    def usable(self) -> bool:
        """At least one row matched a known territory with a numeric value."""
        return self.rows_matched > 0

    def buckets(self) -> dict[str, list[int]]:
        """Row numbers per bucket (``matched``, ``unknown``, ``duplicate``, ``non_numeric``, ``empty``)."""
        return {
            "matched": list(self.matched_rows),
            "unknown": [r for u in self.unknown_codes for r in u.rows],
            "duplicate": [r for d in self.duplicated_codes for r in d.dropped_rows],
            "non_numeric": [r for r, _ in self.non_numeric],
            "empty": [r for r, _ in self.empty],
        }

    def to_french(self) -> str:
        """The report shown to the user before anything is drawn."""
        title = f"Import de {self.filename!r}"
        if self.name:
            title += f" — indicateur « {self.name} »" + (f" ({self.unit})" if self.unit else "")
        lines = [title]
        reading = f"Lecture : encodage {self.encoding}"
        if self.separator is not None:
            reading += f", séparateur {SEPARATOR_NAMES.get(self.separator, repr(self.separator))}"
        reading += ", virgule décimale" if self.decimal == "," else ", point décimal"
        lines.append(reading + ".")
        level = {"commune": "communes", "departement": "départements", None: "indéterminé"}[self.level]
        lines.append(f"Colonnes : codes {self.code_column!r}, valeurs {self.value_column!r} ; niveau : {level}.")
        lines += [f"Remarque : {n}" for n in self.notes]
        lines.append(f"Lignes lues : {self.rows_read}")
        lines.append(f"- retenues : {self.rows_matched}")
        n_unknown = sum(len(u.rows) for u in self.unknown_codes)
        lines.append(f"- codes inconnus : {n_unknown} ligne(s), {len(self.unknown_codes)} code(s)")
        for u in self.unknown_codes[:LIST_LIMIT]:
            text = f"    {u.raw_code!r} ({_rows_label(u.rows)})"
            if u.suggestions:
                text += " : peut-être " + " ; ou ".join(str(s) for s in u.suggestions)
            lines.append(text)
        _more(lines, len(self.unknown_codes))
        n_dup = sum(len(d.dropped_rows) for d in self.duplicated_codes)
        lines.append(f"- codes en double : {n_dup} ligne(s) écartée(s), seule la première ligne de chaque code compte")
        for d in self.duplicated_codes[:LIST_LIMIT]:
            same = "mêmes valeurs" if d.same_values else "valeurs DIFFÉRENTES"
            lines.append(
                f"    {d.code!r} : ligne {d.kept_row} retenue, {_rows_label(d.dropped_rows)} écartée(s) ({same})"
            )
        _more(lines, len(self.duplicated_codes))
        lines.append(f"- valeurs non numériques : {len(self.non_numeric)}")
        for row, value in self.non_numeric[:LIST_LIMIT]:
            why = " (formule : jamais calculée, saisissez la valeur)" if value.startswith("=") else ""
            lines.append(f"    ligne {row} : {value!r}{why}")
        _more(lines, len(self.non_numeric))
        lines.append(f"- valeurs ou codes vides : {len(self.empty)}")
        for row, what in self.empty[:LIST_LIMIT]:
            lines.append(f"    ligne {row} : {what}")
        _more(lines, len(self.empty))
        if self.usable:
            lines.append(f"Fichier utilisable : {self.rows_matched} territoire(s) avec une valeur.")
        else:
            lines.append(
                "Aucune ligne utilisable : vérifiez les colonnes choisies (--code-column, --value-column) "
                "et que les codes sont des codes INSEE de communes ou de départements."
            )
        return "\n".join(lines)


def _rows_label(rows: Sequence[int]) -> str:
    shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
    return f"ligne{'s' if len(rows) > 1 else ''} {shown}"


def _more(lines: list[str], n: int) -> None:
    if n > LIST_LIMIT:
        lines.append(f"    … et {n - LIST_LIMIT} autre(s)")


@dataclass
class ImportResult:
    """An imported indicator.

    Attributes
    ----------
    values:
        Columns ``code`` (str, normalised) and ``value`` (float), one row per matched territory; the
        index is the source row number.
    level:
        ``"commune"`` or ``"departement"``; ``None`` when nothing matched either.
    report:
        What happened to every row.
    names:
        Code → name of the matched territories.
    """

    values: pd.DataFrame
    level: Level | None
    report: ImportReport
    names: dict[str, str] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.report.usable

    def table(self) -> pd.DataFrame:
        """The values joined to territory names, for download: ``code``, ``nom``, then the indicator."""
        label = self.report.name or "valeur"
        if self.report.unit:
            label += f" ({self.report.unit})"
        out = self.values.assign(nom=self.values["code"].map(self.names))
        return out[["code", "nom", "value"]].rename(columns={"value": label}).reset_index(drop=True)
