"""Bring your own indicator: read a CSV or XLSX of values per territory and match it to the COG.

Uploaded files are parsed from bytes in memory and never written to disk. The result says, in French,
what happened to every row: matched, unknown code, duplicated code, non-numeric value or empty value.

Public entry points: :func:`read_table`, :func:`guess_columns`, :func:`import_indicator`,
:class:`Reference`, and :func:`register` for the ``cnrmap import`` sub-command.

The code normalisers are private here for now (``cnrmap.geo.codes`` did not exist when this module was
written); they can be swapped for the shared ones once that module lands.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import ParseError

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError, Problem

Level = Literal["commune", "departement"]

MAX_BYTES = 20_000_000
MAX_ROWS = 200_000
_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation", "|": "barre verticale"}
_SPACES = (" ", "\u00a0", "\u202f", "\u2009", "\u2007")
_CODE_HINTS = ("code", "insee", "codgeo", "depcom", "com", "dep", "cog", "departement", "commune")
_VALUE_HINTS = ("valeur", "value", "taux", "nombre", "nb", "densit", "part", "indic", "apl", "%", "effectif")
_LIST_LIMIT = 50
_SUGGESTION_LOOKUPS = 300


# --------------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------------

_CODE_WITH_LABEL = re.compile(r"^([0-9]{1,5}|2[AB][0-9]{0,3})\s*[-–—:]\s*\S.*$")


def _clean_code(raw: str) -> str:
    """Upper-case, strip spaces and a spreadsheet ``.0`` suffix, drop a trailing label (``13 - Bouches…``)."""
    text = raw.strip().upper()
    for space in _SPACES:
        text = text.replace(space, "")
    if re.fullmatch(r"[0-9]+\.0+", text):
        text = text.split(".")[0]
    match = _CODE_WITH_LABEL.match(raw.strip().upper())
    if match:
        return match.group(1)
    return text


def _normalize_commune_code(raw: str) -> str | None:
    """Return a five-character commune code, restoring a lost leading zero, or ``None``."""
    text = _clean_code(raw)
    if re.fullmatch(r"[0-9]{4,5}", text):
        return text.zfill(5)
    if re.fullmatch(r"2[AB][0-9]{3}", text):
        return text
    return None


def _normalize_department_code(raw: str) -> str | None:
    """Return a department code (``04``, ``2A``, ``971``), restoring a lost leading zero, or ``None``."""
    text = _clean_code(raw)
    if re.fullmatch(r"[0-9]{1,2}", text):
        return text.zfill(2)
    if re.fullmatch(r"9[78][0-9]", text) or re.fullmatch(r"2[AB]", text):
        return text
    return None


# --------------------------------------------------------------------------------------------------
# Reference
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Known territory codes and names, built from the COG.

    Attributes
    ----------
    communes:
        Current commune code → name (communes actuelles and arrondissements municipaux).
    departements:
        Department code → name.
    old_codes:
        Code that is no longer current (``anciensCodes``, communes déléguées or associées) → codes of
        the current communes it now belongs to.
    """

    communes: Mapping[str, str]
    departements: Mapping[str, str]
    old_codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_frames(cls, communes: pd.DataFrame, departements: pd.DataFrame | None = None) -> Reference:
        """Build a reference from COG-like frames.

        Parameters
        ----------
        communes:
            Columns ``code`` and ``nom``; optional ``type`` (``commune-actuelle``,
            ``arrondissement-municipal``, ``commune-deleguee``, ``commune-associee``), ``departement``,
            ``anciensCodes`` (list of codes) and ``chefLieu`` (current commune of a déléguée/associée).
            Without ``type`` every row is a current commune.
        departements:
            Columns ``code`` and ``nom``. Without it, department codes come from ``communes.departement``
            and are their own names.
        """
        missing = {"code", "nom"} - set(communes.columns)
        if missing:
            raise DataError(f"Table des communes sans colonne(s) {sorted(missing)!r}.")
        current: dict[str, str] = {}
        old: dict[str, set[str]] = {}
        records = communes.to_dict("records")
        for rec in records:
            kind = rec.get("type") or "commune-actuelle"
            if kind in ("commune-actuelle", "arrondissement-municipal"):
                current[str(rec["code"])] = str(rec["nom"])
        for rec in records:
            code = str(rec["code"])
            kind = rec.get("type") or "commune-actuelle"
            ancient = rec.get("anciensCodes")
            if kind == "commune-actuelle" and isinstance(ancient, Iterable) and not isinstance(ancient, str):
                for old_code in ancient:
                    if str(old_code) not in current:
                        old.setdefault(str(old_code), set()).add(code)
            chef = rec.get("chefLieu")
            if (
                kind in ("commune-deleguee", "commune-associee")
                and isinstance(chef, str)
                and code not in current
                and chef in current
            ):
                old.setdefault(code, set()).add(chef)
        if departements is not None:
            deps = {str(c): str(n) for c, n in zip(departements["code"], departements["nom"], strict=True)}
        elif "departement" in communes.columns:
            deps = {str(c): str(c) for c in communes["departement"].dropna().unique()}
        else:
            deps = {}
        return cls(
            communes=current,
            departements=deps,
            old_codes={k: tuple(sorted(v)) for k, v in old.items()},
        )

    @classmethod
    def from_cog_json(cls, path: Path | str) -> Reference:
        """Read ``communes.json`` of the COG (geo.api.gouv.fr layout), and ``departements.json`` beside it.

        Parameters
        ----------
        path:
            The ``communes.json`` file.
        """
        path = Path(path)
        try:
            communes = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise DataError(
                f"Référentiel des communes introuvable : {str(path)!r}.",
                hint="Lancez « cnrmap fetch --only cog » pour le télécharger.",
            ) from exc
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
            raise DataError(
                f"Référentiel des communes illisible : {str(path)!r} ({exc}).",
                hint="Supprimez le fichier et relancez « cnrmap fetch --only cog ».",
            ) from exc
        dep_path = path.with_name("departements.json")
        departements = None
        if dep_path.is_file():
            try:
                departements = pd.DataFrame(json.loads(dep_path.read_text(encoding="utf-8")))
            except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
                raise DataError(f"Référentiel des départements illisible : {str(dep_path)!r} ({exc}).") from exc
        return cls.from_frames(communes, departements)

    def name(self, code: str, level: Level) -> str:
        """Name of a known code at ``level`` (the code itself when unknown)."""
        table = self.communes if level == "commune" else self.departements
        return table.get(code, code)


# --------------------------------------------------------------------------------------------------
# Reading bytes
# --------------------------------------------------------------------------------------------------


@dataclass
class RawTable:
    """A table read from an uploaded file, every cell as text.

    Attributes
    ----------
    frame:
        One column per header cell, every cell a ``str`` (``""`` when empty); the index is the row
        number the user sees in a spreadsheet (the header is row 1).
    encoding:
        French label of the detected encoding (``"XLSX"`` for workbooks).
    separator:
        Detected separator, ``None`` for workbooks.
    notes:
        French remarks about the reading (sheet used, truncated file, renamed columns…).
    """

    frame: pd.DataFrame
    encoding: str
    separator: str | None
    notes: list[str] = field(default_factory=list)


def _size_label(n: int) -> str:
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def _decode(data: bytes, filename: str, notes: list[str]) -> tuple[str, str]:
    """Return (text, encoding label)."""
    if data.startswith(b"\xef\xbb\xbf"):
        body, label, codec = data[3:], "UTF-8 avec BOM", "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise DataError(
                f"Le fichier {filename!r} annonce l'encodage UTF-16 mais est illisible ({exc.reason}).",
                hint="Enregistrez-le en « CSV UTF-8 » ou en XLSX.",
            ) from exc
    else:
        body, label, codec = data, "UTF-8", "utf-8"
    try:
        return body.decode(codec), label
    except UnicodeDecodeError as exc:
        # A file cut inside a multi-byte character: UTF-8 up to the cut.
        if exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            notes.append(
                "Le fichier semble tronqué (il s'arrête au milieu d'un caractère) : "
                "la dernière ligne est peut-être incomplète."
            )
            return body[: exc.start].decode(codec), label
        if label == "UTF-8 avec BOM":
            raise DataError(
                f"Le fichier {filename!r} commence comme de l'UTF-8 mais contient un octet invalide "
                f"{body[exc.start : exc.start + 1]!r} (position {exc.start}).",
                hint="Réenregistrez-le en « CSV UTF-8 » depuis votre tableur.",
            ) from exc
    try:
        return data.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def _check_text(text: str, filename: str) -> None:
    controls = sum(1 for ch in text if ch not in "\t\r\n" and unicodedata.category(ch) == "Cc")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise DataError(
            f"Le fichier {filename!r} ne ressemble pas à un tableau texte : il contient des caractères "
            "de contrôle (fichier binaire, ou texte en UTF-16 sans marque d'ordre des octets).",
            hint="Enregistrez-le en « CSV UTF-8 » (séparateur « ; » ou « , ») ou en XLSX, puis réessayez.",
        )


def _detect_separator(text: str) -> str | None:
    sample = text[:200_000].splitlines()[:200]
    sample = [line for line in sample if line.strip()]
    best: tuple[tuple[float, int, int], str] | None = None
    for sep in _SEPARATORS:
        rows = list(csv.reader(sample, delimiter=sep))
        counts = Counter(len(r) for r in rows if r)
        if not counts:
            continue
        width, hits = counts.most_common(1)[0]
        if width < 2:
            continue
        score = (hits / len(rows), width, -_SEPARATORS.index(sep))
        if best is None or score > best[0]:
            best = (score, sep)
    return None if best is None else best[1]


def _unique_headers(header: Sequence[str], notes: list[str]) -> list[str]:
    names: list[str] = []
    for i, raw in enumerate(header, start=1):
        name = raw.strip() or f"colonne {i}"
        base, k = name, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        if name != raw:
            notes.append(f"Colonne {i} : en-tête {raw!r} renommé {name!r}.")
        names.append(name)
    return names


def _build_frame(records: list[tuple[int, list[str]]], filename: str, notes: list[str]) -> pd.DataFrame:
    """``records`` = (row number, cells); the first non-empty record is the header."""
    records = [(n, [c if isinstance(c, str) else "" for c in cells]) for n, cells in records]
    while records and not any(c.strip() for c in records[-1][1]):
        records.pop()
    start = next((i for i, (_, cells) in enumerate(records) if any(c.strip() for c in cells)), None)
    if start is None:
        raise DataError(
            f"Le fichier {filename!r} est vide.",
            hint="Il faut une ligne d'en-tête puis une ligne par territoire (code, valeur).",
        )
    header_row, header = records[start]
    body = records[start + 1 :]
    if not body:
        raise DataError(
            f"Le fichier {filename!r} ne contient que la ligne d'en-tête ({', '.join(map(repr, header))}).",
            hint="Ajoutez une ligne par territoire sous l'en-tête.",
        )
    if len(body) > MAX_ROWS:
        raise DataError(
            f"Le fichier {filename!r} contient {len(body)} lignes, au-delà de la limite de {MAX_ROWS}.",
            hint="Découpez-le ou agrégez-le (une ligne par commune ou par département).",
        )
    width = max(len(header), *(len(cells) for _, cells in body))
    if len(header) < width:
        header = [*header, *[""] * (width - len(header))]
    columns = _unique_headers(header, notes)
    short = [n for n, cells in body if len(cells) < len(columns) and any(c.strip() for c in cells)]
    if short:
        shown = ", ".join(map(str, short[:10])) + (" …" if len(short) > 10 else "")
        notes.append(f"{len(short)} ligne(s) ont moins de cellules que l'en-tête (lignes {shown}).")
    rows = [[*cells, *[""] * (width - len(cells))] for _, cells in body]
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index([n for n, _ in body], name="ligne"), dtype=object)
    if header_row != 1:
        notes.append(f"En-tête lu à la ligne {header_row}.")
    return frame


def _read_csv(data: bytes, filename: str) -> RawTable:
    notes: list[str] = []
    text, encoding = _decode(data, filename, notes)
    _check_text(text, filename)
    if not text.strip():
        raise DataError(
            f"Le fichier {filename!r} est vide.",
            hint="Il faut une ligne d'en-tête puis une ligne par territoire (code, valeur).",
        )
    sep = _detect_separator(text)
    if sep is None:
        raise DataError(
            f"Le fichier {filename!r} n'a qu'une colonne : aucun séparateur « , », « ; » ni tabulation trouvé.",
            hint="Il faut au moins une colonne de codes INSEE et une colonne de valeurs.",
        )
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        records = [(i, row) for i, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise DataError(f"Le fichier {filename!r} est mal formé : {exc}.") from exc
    if text.count('"') % 2:
        notes.append("Un guillemet n'est pas refermé : le fichier est peut-être tronqué ou mal formé.")
    if "\ufffd" in text:
        notes.append("Le fichier contient des caractères illisibles (« \ufffd ») : vérifiez son encodage.")
    return RawTable(_build_frame(records, filename, notes), encoding, sep, notes)


# openpyxl reports corrupt or truncated workbooks through many exception types.
_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, OSError, EOFError, ParseError)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, filename: str) -> RawTable:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    notes: list[str] = []
    try:
        # data_only=False: formulas come back as their text ("=A1*2"), never evaluated nor cached.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheets = book.worksheets
            if not sheets:
                raise DataError(f"Le classeur {filename!r} ne contient aucune feuille.")
            sheet = sheets[0]
            if len(sheets) > 1:
                notes.append(f"Le classeur a {len(sheets)} feuilles : seule la première, {sheet.title!r}, est lue.")
            records: list[tuple[int, list[str]]] = []
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                records.append((i, [_cell_text(v) for v in row]))
                if i > MAX_ROWS + 100:
                    break
        finally:
            book.close()
    except (InvalidFileException, *_XLSX_ERRORS) as exc:
        raise DataError(
            f"Le classeur {filename!r} est illisible ({type(exc).__name__}) : fichier tronqué, protégé par "
            "mot de passe ou d'un autre format.",
            hint="Ouvrez-le dans votre tableur et réenregistrez-le en XLSX ou en « CSV UTF-8 ».",
        ) from exc
    return RawTable(_build_frame(records, filename, notes), "XLSX", None, notes)


def read_table(data: bytes, filename: str) -> RawTable:
    """Read CSV or XLSX bytes into a table of strings.

    The format comes from the content (an XLSX is a ZIP archive), not from the extension.

    Parameters
    ----------
    data:
        The file content.
    filename:
        The name shown in messages.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        Empty file, header only, binary or unreadable content, legacy ``.xls``, too many rows.
    """
    if not data:
        raise DataError(
            f"Le fichier {filename!r} est vide (0 octet).",
            hint="Il faut une ligne d'en-tête puis une ligne par territoire (code, valeur).",
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, filename)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"Le fichier {filename!r} est au format Excel 97-2003 (.xls), non pris en charge.",
            hint="Ouvrez-le dans votre tableur et enregistrez-le en XLSX ou en « CSV UTF-8 ».",
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise DataError(
            f"Le fichier {filename!r} porte l'extension .xlsx mais n'est pas un classeur valide "
            "(fichier tronqué ou d'un autre format).",
            hint="Réenregistrez-le en XLSX depuis votre tableur, ou en « CSV UTF-8 ».",
        )
    return _read_csv(data, filename)


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = {sep: re.compile(r"^\d{1,3}(%s\d{3})+$" % re.escape(sep)) for sep in (" ", ".", ",")}  # noqa: UP031


def _strip_number(raw: str) -> str:
    """Trim, unify minus signs and spaces, drop a trailing ``%``."""
    text = raw.strip().replace("\u2212", "-")
    if text.endswith("%"):
        text = text[:-1].rstrip()
    for space in _SPACES:
        text = text.replace(space, " ")
    return text


def _decimal_mark(cells: Iterable[str]) -> str:
    """Vote for the decimal mark of a column: ``","`` or ``"."``."""
    comma = dot = 0
    for raw in cells:
        text = _strip_number(raw).replace(" ", "")
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


def _parse_number(raw: str, decimal: str) -> float | None:
    """Parse a cell with the column's decimal mark; ``None`` when not a finite number.

    Thousands separators (space, no-break spaces, and ``.`` in a decimal-comma column or ``,`` in a
    decimal-point column) are accepted only between groups of three digits.
    """
    text = _strip_number(raw)
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


# --------------------------------------------------------------------------------------------------
# Column guessing
# --------------------------------------------------------------------------------------------------


def _filled(series: pd.Series) -> list[str]:
    return [c for c in series.tolist() if isinstance(c, str) and c.strip()]


def _code_score(name: str, cells: list[str], reference: Reference | None) -> float:
    if not cells:
        return 0.0
    sample = cells[:2000]
    shaped = sum(1 for c in sample if _normalize_commune_code(c) or _normalize_department_code(c)) / len(sample)
    decimals = sum(1 for c in sample if re.search(r"\d[.,]\d", c) and not re.fullmatch(r"\s*\d+\.0+\s*", c))
    score = shaped - decimals / len(sample)
    lowered = name.lower()
    if any(h in lowered for h in _CODE_HINTS):
        score += 1.0
    if any(h in lowered for h in _VALUE_HINTS):
        score -= 1.0
    if reference is not None:
        known = sum(
            1
            for c in sample
            if _normalize_commune_code(c) in reference.communes
            or _normalize_department_code(c) in reference.departements
        )
        score += known / len(sample)
    distinct = len(set(sample)) / len(sample)
    return score + 0.25 * distinct


def guess_columns(
    raw: RawTable, reference: Reference | None = None, *, exclude: Sequence[str] = ()
) -> tuple[str | None, str | None]:
    """Propose the code column and the value column.

    Parameters
    ----------
    raw:
        The table from :func:`read_table`.
    reference:
        When given, columns whose codes are known score higher.
    exclude:
        Columns not to propose (e.g. the one the user already chose for the other role).

    Returns
    -------
    tuple
        ``(code_column, value_column)``; either is ``None`` when no column fits.
    """
    frame = raw.frame
    code_col: str | None = None
    best = 0.5
    for name in frame.columns:
        if name in exclude:
            continue
        score = _code_score(str(name), _filled(frame[name]), reference)
        if score > best:
            code_col, best = str(name), score
    value_col: str | None = None
    best_num = 0.0  # any numeric cell at all: the user confirms the proposal
    for name in frame.columns:
        if name == code_col or name in exclude:
            continue
        cells = _filled(frame[name])[:2000]
        if not cells:
            continue
        decimal = _decimal_mark(cells)
        numeric = sum(1 for c in cells if _parse_number(c, decimal) is not None) / len(cells)
        if any(h in str(name).lower() for h in ("code", "annee", "année", "year", "siren")):
            numeric -= 0.3
        if numeric > best_num:
            value_col, best_num = str(name), numeric
    if value_col is None:
        others = [str(c) for c in frame.columns if c not in (code_col, *exclude) and _filled(frame[c])]
        value_col = others[0] if len(others) == 1 else None
    return code_col, value_col


# --------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------


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
            reading += f", séparateur {_SEPARATOR_NAMES.get(self.separator, repr(self.separator))}"
        reading += ", virgule décimale" if self.decimal == "," else ", point décimal"
        lines.append(reading + ".")
        level = {"commune": "communes", "departement": "départements", None: "indéterminé"}[self.level]
        lines.append(f"Colonnes : codes {self.code_column!r}, valeurs {self.value_column!r} ; niveau : {level}.")
        lines += [f"Remarque : {n}" for n in self.notes]
        lines.append(f"Lignes lues : {self.rows_read}")
        lines.append(f"- retenues : {self.rows_matched}")
        n_unknown = sum(len(u.rows) for u in self.unknown_codes)
        lines.append(f"- codes inconnus : {n_unknown} ligne(s), {len(self.unknown_codes)} code(s)")
        for u in self.unknown_codes[:_LIST_LIMIT]:
            text = f"    {u.raw_code!r} ({_rows_label(u.rows)})"
            if u.suggestions:
                text += " : peut-être " + " ; ou ".join(str(s) for s in u.suggestions)
            lines.append(text)
        _more(lines, len(self.unknown_codes))
        n_dup = sum(len(d.dropped_rows) for d in self.duplicated_codes)
        lines.append(f"- codes en double : {n_dup} ligne(s) écartée(s), seule la première ligne de chaque code compte")
        for d in self.duplicated_codes[:_LIST_LIMIT]:
            same = "mêmes valeurs" if d.same_values else "valeurs DIFFÉRENTES"
            lines.append(
                f"    {d.code!r} : ligne {d.kept_row} retenue, {_rows_label(d.dropped_rows)} écartée(s) ({same})"
            )
        _more(lines, len(self.duplicated_codes))
        lines.append(f"- valeurs non numériques : {len(self.non_numeric)}")
        for row, value in self.non_numeric[:_LIST_LIMIT]:
            why = " (formule : jamais calculée, saisissez la valeur)" if value.startswith("=") else ""
            lines.append(f"    ligne {row} : {value!r}{why}")
        _more(lines, len(self.non_numeric))
        lines.append(f"- valeurs ou codes vides : {len(self.empty)}")
        for row, what in self.empty[:_LIST_LIMIT]:
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
    if n > _LIST_LIMIT:
        lines.append(f"    … et {n - _LIST_LIMIT} autre(s)")


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


def _detect_level(cells: list[str], reference: Reference) -> Level | None:
    communes = sum(1 for c in cells if _normalize_commune_code(c) in reference.communes)
    departements = sum(1 for c in cells if _normalize_department_code(c) in reference.departements)
    if communes == departements == 0:
        long = sum(1 for c in cells if len(_clean_code(c)) >= 4)
        return "commune" if long * 2 > len(cells) else ("departement" if cells else None)
    return "commune" if communes >= departements else "departement"


class _Suggester:
    """Finds the known territories an unknown code may stand for; indexes are built once per import."""

    def __init__(self, reference: Reference, level: Level | None) -> None:
        self.reference = reference
        self.level = level
        self.table = reference.communes if level == "commune" else reference.departements
        self._by_prefix: dict[str, list[str]] | None = None
        self._by_name: dict[str, list[str]] | None = None

    def _codes_like(self, key: str) -> list[str]:
        if self._by_prefix is None:
            self._by_prefix = {}
            for code in self.table:
                self._by_prefix.setdefault(code[:2], []).append(code)
        # A commune code keeps its department prefix; a department code is compared with all.
        return self._by_prefix.get(key[:2], []) if self.level == "commune" else list(self.table)

    def _names_like(self, text: str) -> list[str]:
        if self._by_name is None:
            self._by_name = {}
            for code, name in self.table.items():
                self._by_name.setdefault(name.lower(), []).append(code)
        names = difflib.get_close_matches(text.strip().lower(), list(self._by_name), n=3, cutoff=0.8)
        return [code for name in names for code in self._by_name[name][:3]]

    def __call__(self, raw: str) -> tuple[Suggestion, ...]:
        ref, level, table = self.reference, self.level, self.table
        commune = _normalize_commune_code(raw)
        dep = _normalize_department_code(raw)
        if commune and commune in ref.old_codes:
            return tuple(
                Suggestion(code, ref.communes.get(code, code), "ancien code, commune fusionnée")
                for code in ref.old_codes[commune]
            )
        if level == "commune" and dep and dep in ref.departements:
            return (Suggestion(dep, ref.departements[dep], "code de département, pas de commune"),)
        if level == "departement" and commune and commune in ref.communes:
            return (Suggestion(commune, ref.communes[commune], "code de commune, pas de département"),)
        if level == "departement" and dep == "20":
            return tuple(
                Suggestion(c, ref.departements[c], "la Corse est divisée en 2A et 2B depuis 1976")
                for c in ("2A", "2B")
                if c in ref.departements
            )
        key = commune if level == "commune" else dep
        if key:
            matches = difflib.get_close_matches(key, self._codes_like(key), n=3, cutoff=0.75)
            return tuple(Suggestion(c, table[c], "code proche (faute de frappe ?)") for c in matches)
        if re.search(r"[A-Za-zÀ-ÿ]{3}", raw):
            return tuple(Suggestion(c, table[c], "nom proche : mettez le code INSEE") for c in self._names_like(raw))
        return ()


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
    reference: Reference,
    code_column: str | None = None,
    value_column: str | None = None,
    name: str | None = None,
    unit: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> ImportResult:
    """Read an uploaded indicator file and match its codes to the reference.

    Parameters
    ----------
    data:
        The file content (CSV or XLSX); never written to disk.
    filename:
        The name shown in messages.
    reference:
        Known codes and names (:class:`Reference`).
    code_column, value_column:
        Chosen columns; guessed by :func:`guess_columns` when ``None``.
    name, unit:
        The indicator's name and unit, echoed in the report and the download.
    max_bytes:
        Size limit.

    Returns
    -------
    ImportResult
        Check ``result.usable``; ``result.report.to_french()`` says what happened to every row.

    Raises
    ------
    DataError
        When the file is too large, unreadable, empty, header-only, or a column is missing.
    """
    if len(data) > max_bytes:
        raise DataError(
            f"Le fichier {filename!r} fait {_size_label(len(data))}, au-delà de la limite de {_size_label(max_bytes)}.",
            hint="Gardez seulement les colonnes code et valeur, ou agrégez par département.",
        )
    raw = read_table(data, filename)
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
    filled_codes = [c for c in codes if c.strip()]
    level = _detect_level(filled_codes, reference)
    decimal = _decimal_mark(v for v in values if v.strip())
    normalize = _normalize_commune_code if level == "commune" else _normalize_department_code
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
    for row, code_raw, value_raw in zip(rows, codes, values, strict=True):
        if not code_raw.strip() and not value_raw.strip():
            report.empty.append((row, "ligne vide"))
            continue
        if not code_raw.strip():
            report.empty.append((row, f"code vide (valeur {value_raw.strip()!r})"))
            continue
        if not value_raw.strip():
            report.empty.append((row, f"valeur vide (code {code_raw.strip()!r})"))
            continue
        code = normalize(code_raw) if level else None
        if code is None or code not in known:
            unknown.setdefault(code_raw.strip(), []).append(row)
            continue
        number = _parse_number(value_raw, decimal)
        if number is None:
            report.non_numeric.append((row, value_raw.strip()))
            continue
        if code in first:
            dups.setdefault(code, []).append((row, number))
            continue
        first[code] = (row, number)
    suggest = _Suggester(reference, level)
    for i, (raw_code, unknown_rows) in enumerate(unknown.items()):
        # Beyond a few hundred unknown codes the file is probably at another level or vintage.
        suggestions = suggest(raw_code) if i < _SUGGESTION_LOOKUPS else ()
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


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def reference_for_settings(settings: Settings) -> Reference:
    """The code reference of the fetched COG (``cnrmap fetch --only cog``), or of a folder mirror."""
    from cnrmap.sources.catalog import get_source

    source = get_source("cog")
    candidates = [source.local_path(settings, source.files[0])]
    if settings.mirror and "://" not in settings.mirror:
        candidates.append(Path(settings.mirror) / source.files[0].path)
    for path in candidates:
        if path.is_file():
            return Reference.from_cog_json(path)
    raise DataError(
        "Référentiel des communes (COG) introuvable.",
        problems=[Problem(str(p), "absent") for p in candidates],
        hint="Lancez « cnrmap fetch --only cog », ou définissez CNRMAP_MIRROR vers un miroir local.",
    )


def _run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"Fichier {str(path)!r} introuvable ou illisible ({exc.strerror}).") from exc
    if size > MAX_BYTES:
        raise DataError(
            f"Le fichier {path.name!r} fait {_size_label(size)}, au-delà de la limite de {_size_label(MAX_BYTES)}.",
            hint="Gardez seulement les colonnes code et valeur, ou agrégez par département.",
        )
    from cnrmap.config import get_settings

    reference = reference_for_settings(get_settings())
    result = import_indicator(
        path.read_bytes(),
        path.name,
        reference=reference,
        code_column=args.code_column,
        value_column=args.value_column,
        name=args.name,
        unit=args.unit,
    )
    print(result.report.to_french())
    if args.export and result.usable:
        from cnrmap.export.csv import to_csv_bytes

        Path(args.export).write_bytes(to_csv_bytes(result.table(), variant=args.export_format))
        print(f"Export écrit : {args.export}")
    return 0 if result.usable else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    parser = subparsers.add_parser(
        "import",
        help="Lire un indicateur (CSV ou XLSX) par commune ou département et afficher le rapport d'import.",
        description="Lit un fichier de valeurs par territoire, le rapproche du COG et affiche le rapport. "
        "Code de sortie 0 si le fichier est utilisable, 1 sinon.",
    )
    parser.add_argument("file", metavar="FICHIER", help="fichier CSV ou XLSX (20 Mo au plus)")
    parser.add_argument("--code-column", metavar="C", help="colonne des codes INSEE (devinée sinon)")
    parser.add_argument("--value-column", metavar="V", help="colonne des valeurs (devinée sinon)")
    parser.add_argument("--name", metavar="N", help="nom de l'indicateur")
    parser.add_argument("--unit", metavar="U", help="unité de l'indicateur")
    parser.add_argument("--export", metavar="CSV", help="écrire les valeurs retenues, avec les noms, dans ce CSV")
    parser.add_argument(
        "--export-format",
        choices=("utf8-bom", "semicolon"),
        default="semicolon",
        help="« semicolon » (; et virgule décimale, tableurs français) ou « utf8-bom » (,)",
    )
    parser.set_defaults(func=_run)
