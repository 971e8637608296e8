"""Uploaded bytes → a table of strings: encoding, separator, CSV and XLSX.

Uploaded files are parsed from bytes in memory and never written to disk. Every limit of
:mod:`cnrmap.importer.limits` is checked before the step it protects: the CSV's lines on its bytes, the
workbook's zip directory before any XML, its XML structure before openpyxl, and the time budget in
every loop.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

import pandas as pd

from cnrmap.errors import DataError
from cnrmap.importer.limits import (
    DEFAULT_LIMITS,
    Deadline,
    Limits,
    check_columns,
    check_csv_bytes,
    check_zip_directory,
    check_zip_end_record,
    scan_xml_parts,
)

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

_SEPARATORS = (",", ";", "\t", "|")


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


def _build_frame(
    records: list[tuple[int, list[str]]], filename: str, notes: list[str], max_rows: int, *, cut: bool = False
) -> pd.DataFrame:
    """``records`` = (row number, cells); the first non-empty record is the header.

    ``cut``: the reading stopped past the row limit, so the count in the message is a lower bound.
    """
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
    if len(body) > max_rows:
        raise DataError(
            f"Le fichier {filename!r} contient {'plus de ' if cut else ''}{len(body)} lignes, au-delà de la limite "
            f"de {max_rows}.",
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


def _read_csv(data: bytes, filename: str, limits: Limits, deadline: Deadline) -> RawTable:
    check_csv_bytes(data, filename, limits, deadline)
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
    records: list[tuple[int, list[str]]] = []
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sep), start=1):
            check_columns(len(row), i, filename, limits)
            records.append((i, row))
            if i % 4096 == 0:
                deadline.check("lecture du CSV")
    except csv.Error as exc:
        raise DataError(f"Le fichier {filename!r} est mal formé : {exc}.") from exc
    if text.count('"') % 2:
        notes.append("Un guillemet n'est pas refermé : le fichier est peut-être tronqué ou mal formé.")
    if "\ufffd" in text:
        notes.append("Le fichier contient des caractères illisibles (« \ufffd ») : vérifiez son encodage.")
    return RawTable(_build_frame(records, filename, notes, limits.max_rows), encoding, sep, notes)


# openpyxl and zipfile report corrupt or truncated workbooks through many exception types.
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    OSError,
    EOFError,
    ParseError,
    NotImplementedError,
    RuntimeError,
)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _check_dimension(sheet: ReadOnlyWorksheet, filename: str, limits: Limits) -> None:
    """Refuse a first sheet whose declared ``<dimension>`` exceeds the row or column limit.

    openpyxl pads every row to the declared width, so the width is checked before the first row.
    """
    if sheet.max_column is not None and sheet.max_column > limits.max_columns:
        count, what, limit = sheet.max_column, "colonnes", f"{limits.max_columns} colonnes"
    elif sheet.max_row is not None and sheet.max_row > limits.max_rows + 100:  # header and blank rows aside
        count, what, limit = sheet.max_row, "lignes", f"{limits.max_rows} lignes de données"
    else:
        return
    raise DataError(
        f"La feuille {sheet.title!r} du classeur {filename!r} annonce {count} {what} (dimension "
        f"{sheet.calculate_dimension()}), au-delà de la limite de {limit}.",
        hint="Gardez seulement les colonnes code et valeur (une ligne par territoire), ou agrégez par département.",
    )


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _read_xlsx(data: bytes, filename: str, limits: Limits, deadline: Deadline) -> RawTable:
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    notes: list[str] = []
    try:
        check_zip_end_record(data, filename, limits)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip_directory(archive, filename, limits)
            scan_xml_parts(archive, filename, limits, deadline)
        # data_only=False: formulas come back as their text ("=A1*2"), never evaluated nor cached.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheets = book.worksheets
            if not sheets:
                raise DataError(f"Le classeur {filename!r} ne contient aucune feuille.")
            sheet = sheets[0]
            if len(sheets) > 1:
                notes.append(f"Le classeur a {len(sheets)} feuilles : seule la première, {sheet.title!r}, est lue.")
            _check_dimension(sheet, filename, limits)
            records: list[tuple[int, list[str]]] = []
            cut = False
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                check_columns(len(row), i, filename, limits)
                records.append((i, [_cell_text(v) for v in row]))
                if i % 1024 == 0:
                    deadline.check("lecture de la feuille")
                if i > limits.max_rows + 100:  # header and blank rows aside, past the limit: stop reading
                    cut = True
                    break
        finally:
            book.close()
    except (InvalidFileException, DefusedXmlException, *_XLSX_ERRORS) as exc:
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise DataError(
                f"Le classeur {filename!r} déclare des entités XML : c'est le mécanisme des attaques par expansion "
                "d'entités (« billion laughs »), il est refusé sans être lu.",
                hint="Ouvrez-le dans votre tableur et réenregistrez-le en XLSX ou en « CSV UTF-8 ».",
            ) from exc
        raise DataError(
            f"Le classeur {filename!r} est illisible ({type(exc).__name__}) : fichier tronqué, protégé par "
            "mot de passe ou d'un autre format.",
            hint="Ouvrez-le dans votre tableur et réenregistrez-le en XLSX ou en « CSV UTF-8 ».",
        ) from exc
    return RawTable(_build_frame(records, filename, notes, limits.max_rows, cut=cut), "XLSX", None, notes)


def read_table(
    data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS, deadline: Deadline | None = None
) -> RawTable:
    """Read CSV or XLSX bytes into a table of strings.

    The format comes from the content (an XLSX is a ZIP archive), not from the extension.

    Parameters
    ----------
    data:
        The file content.
    filename:
        The name shown in messages.
    limits:
        Bounds checked before and while parsing (:mod:`cnrmap.importer.limits`).
    deadline:
        Time budget shared with the rest of the import; a new one of ``limits.time_budget`` otherwise.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        Empty file, header only, binary or unreadable content, legacy ``.xls``, past a limit.
    """
    deadline = deadline or Deadline(limits.time_budget, filename)
    if not data:
        raise DataError(
            f"Le fichier {filename!r} est vide (0 octet).",
            hint="Il faut une ligne d'en-tête puis une ligne par territoire (code, valeur).",
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, filename, limits, deadline)
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
    return _read_csv(data, filename, limits, deadline)
