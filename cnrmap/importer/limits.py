"""Bounds on an uploaded indicator file, checked before its content is parsed.

A file of a few hundred kilobytes can cost gigabytes of memory or minutes of processor once parsed:
an XLSX is a zip of XML files, and a zip entry can inflate a thousandfold; an XML file can nest or
declare entities that expand. Each limit below stops one such way, with a French message saying why,
before the expensive step. A legitimate indicator (one row per commune, about 35,000 rows, or per
department) stays far below every limit.

Size of the upload
    ``MAX_BYTES`` (20,000,000 bytes): the file itself. Streamlit's ``server.maxUploadSize``
    (``.streamlit/config.toml``, in MiB) is this limit rounded up, 20, so the server never receives a
    larger upload; a unit test keeps the two equal.

Table shape (CSV and XLSX)
    ``MAX_ROWS`` (200,000): data rows under the header.
    ``MAX_COLUMNS`` (1,000): cells in one row.

CSV, checked on the bytes before decoding
    ``MAX_LINE_BYTES`` (100,000): the longest physical line.
    ``MAX_CSV_LINES`` (400,000, twice ``MAX_ROWS``): physical lines, blank lines and line breaks
    inside quoted cells included.

XLSX, checked from the zip directory before any XML is read
    ``MAX_ZIP_ENTRIES`` (1,000): files inside the zip (a workbook holds about ten). The size of the
    central directory is checked first, from the end record, so that a directory of a million entries
    is not even listed.
    ``MAX_SHEETS`` (100): worksheets (entries under ``xl/worksheets/``).
    ``MAX_UNCOMPRESSED_BYTES`` (100,000,000): declared uncompressed size of all entries together; a
    200,000-row, 5-column sheet is about 55 MB of XML. Python's zipfile never inflates an entry past
    its declared size (and checks its CRC), so declared sizes bound what is read.
    ``MAX_COMPRESSION_RATIO`` (100) for entries over ``RATIO_GRACE_BYTES`` (1,000,000): uncompressed
    over compressed size; spreadsheet XML compresses 5 to 15 times, a zip bomb a thousand times.

XLSX, checked by one streaming pass over every XML part (expat with defusedxml's protections, no tree
kept) before openpyxl reads it
    Entity declarations and external entities are refused (the "billion laughs" expansion).
    ``MAX_XML_DEPTH`` (64): element nesting (a worksheet nests about 10 deep).
    ``MAX_XML_ELEMENTS_PER_RECORD`` (20,000): elements inside one ``<row>`` or one shared string
    ``<si>``, which openpyxl holds in memory until the record ends (a row of 1,000 rich-text cells has
    about 10,000).
    ``MAX_XML_ELEMENTS_OUTSIDE_RECORDS`` (100,000): elements of one part outside those records, which
    openpyxl keeps in memory for the whole part, about 400 bytes each (measured: 300,000 empty
    elements, 0.7 MB zipped, cost 115 MB).
    Then the first sheet's ``<dimension>`` (read by openpyxl) is checked against ``MAX_ROWS`` and
    ``MAX_COLUMNS``, and every row read is checked again while streaming.

Time
    ``TIME_BUDGET_SECONDS`` (60): a cooperative deadline checked in every loop over rows, lines or
    XML chunks; past it the import stops with a French message (no thread, no signal). It counts the
    processor time of the importing thread (``time.thread_time``), not the wall clock: a server busy
    with other work or other users must not refuse a file it reads when idle (a 200,000-row, 5-column
    workbook takes about 20 s of processor here, but took from 22 to 68 s of wall clock on a loaded
    2-core machine). Steps between two checks are bounded by the limits above (a few seconds for the
    largest files).
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from cnrmap.errors import DataError

MAX_BYTES = 20_000_000
MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
MAX_LINE_BYTES = 100_000
MAX_CSV_LINES = 2 * MAX_ROWS
MAX_ZIP_ENTRIES = 1_000
MAX_SHEETS = 100
MAX_UNCOMPRESSED_BYTES = 100_000_000
MAX_COMPRESSION_RATIO = 100
RATIO_GRACE_BYTES = 1_000_000
MAX_XML_DEPTH = 64
MAX_XML_ELEMENTS_PER_RECORD = 20_000
MAX_XML_ELEMENTS_OUTSIDE_RECORDS = 100_000
TIME_BUDGET_SECONDS = 60.0

# A central directory record is at least 46 bytes plus the entry's name; names in a workbook are short.
_DIRECTORY_BYTES_PER_ENTRY = 300
_SHEET_ENTRY = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_REFUSED_HINT = "Ouvrez-le dans votre tableur et réenregistrez-le en XLSX ou en « CSV UTF-8 »."
_SHAPE_HINT = "Gardez seulement les colonnes code et valeur (une ligne par territoire), ou agrégez par département."


@dataclass(frozen=True)
class Limits:
    """The limits of one import; the defaults are the module constants (see the module docstring)."""

    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_line_bytes: int = MAX_LINE_BYTES
    max_csv_lines: int = MAX_CSV_LINES
    max_zip_entries: int = MAX_ZIP_ENTRIES
    max_sheets: int = MAX_SHEETS
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_compression_ratio: float = MAX_COMPRESSION_RATIO
    ratio_grace_bytes: int = RATIO_GRACE_BYTES
    max_xml_depth: int = MAX_XML_DEPTH
    max_xml_elements_per_record: int = MAX_XML_ELEMENTS_PER_RECORD
    max_xml_elements_outside_records: int = MAX_XML_ELEMENTS_OUTSIDE_RECORDS
    time_budget: float = TIME_BUDGET_SECONDS


DEFAULT_LIMITS = Limits()


def size_label(n: int) -> str:
    """A byte count in French megabytes (``"20,0 Mo"``)."""
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def _small_size_label(n: int) -> str:
    """Like :func:`size_label`, in kilobytes below a megabyte (``"19,6 ko"``)."""
    return size_label(n) if n >= 1_000_000 else f"{n / 1_000:.1f} ko".replace(".", ",")


class Deadline:
    """A time budget checked cooperatively by the loops of an import.

    Parameters
    ----------
    seconds:
        The budget, from now.
    filename:
        The name quoted in the message.
    clock:
        The clock: processor time of the calling thread by default (see the module docstring);
        replaceable in tests.
    """

    def __init__(self, seconds: float, filename: str, clock: Callable[[], float] = time.thread_time) -> None:
        self.seconds = seconds
        self.filename = filename
        self._clock = clock
        self._end = clock() + seconds

    def check(self, stage: str) -> None:
        """Raise :class:`DataError` once the budget is spent; ``stage`` says what was being done."""
        if self._clock() > self._end:
            budget = f"{self.seconds:g}".replace(".", ",")
            raise DataError(
                f"L'import de {self.filename!r} a dépassé le temps de calcul maximal de {budget} s ({stage}) : il est arrêté.",
                hint="Allégez le fichier (colonnes code et valeur, une ligne par territoire) ou agrégez-le "
                "par département, puis réessayez.",
            )


def check_size(size: int, filename: str, max_bytes: int = MAX_BYTES) -> None:
    """Refuse a file larger than ``max_bytes``."""
    if size > max_bytes:
        raise DataError(
            f"Le fichier {filename!r} fait {size_label(size)}, au-delà de la limite de {size_label(max_bytes)}.",
            hint="Gardez seulement les colonnes code et valeur, ou agrégez par département.",
        )


def check_csv_bytes(data: bytes, filename: str, limits: Limits, deadline: Deadline) -> None:
    """Refuse a text file with too many lines or an absurdly long line, before it is decoded."""
    newline = b"\n" if b"\n" in data else b"\r"  # files saved by old Mac spreadsheets end lines with CR only
    lines = data.count(newline) + 1
    if lines > limits.max_csv_lines:
        raise DataError(
            f"Le fichier {filename!r} compte {lines} lignes, au-delà de la limite de {limits.max_csv_lines} "
            f"(pour {limits.max_rows} lignes de données au plus).",
            hint=_SHAPE_HINT,
        )
    if len(data) <= limits.max_line_bytes:
        return
    start = 0
    for number in range(1, lines + 1):
        end = data.find(newline, start)
        end = len(data) if end < 0 else end
        if end - start > limits.max_line_bytes:
            raise DataError(
                f"La ligne {number} du fichier {filename!r} fait {size_label(end - start)}, au-delà de la limite "
                f"de {limits.max_line_bytes} octets par ligne : ce n'est pas un tableau d'indicateur.",
                hint="Il faut une ligne par territoire (code, valeur) : enregistrez le tableau en « CSV UTF-8 » "
                "depuis votre tableur.",
            )
        if number % 65_536 == 0:
            deadline.check("lecture des lignes")
        start = end + 1


def check_columns(count: int, row: int, filename: str, limits: Limits) -> None:
    """Refuse a row of more than ``limits.max_columns`` cells (``row`` as the user numbers it)."""
    if count > limits.max_columns:
        raise DataError(
            f"La ligne {row} du fichier {filename!r} a {count} colonnes, au-delà de la limite de {limits.max_columns}.",
            hint=_SHAPE_HINT,
        )


def central_directory_size(data: bytes) -> int | None:
    """Size in bytes of a zip's central directory, read from its end record; ``None`` if there is none."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - (22 + 65_535)))
    if pos < 0 or pos + 22 > len(data):
        return None
    size = int.from_bytes(data[pos + 12 : pos + 16], "little")
    if size == 0xFFFFFFFF and pos >= 20 and data[pos - 20 : pos - 16] == b"PK\x06\x07":
        offset = int.from_bytes(data[pos - 12 : pos - 4], "little")  # the ZIP64 end record
        if data[offset : offset + 4] == b"PK\x06\x06":
            size = int.from_bytes(data[offset + 40 : offset + 48], "little")
    return size


def _zip_refusal(message: str) -> DataError:
    return DataError(message, hint=_REFUSED_HINT)


def check_zip_end_record(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a zip whose central directory is too large to list, before :class:`zipfile.ZipFile` lists it."""
    size = central_directory_size(data)
    if size is not None and size > limits.max_zip_entries * _DIRECTORY_BYTES_PER_ENTRY:
        raise _zip_refusal(
            f"Le classeur {filename!r} annonce un répertoire interne de {size_label(size)}, soit plus de "
            f"{limits.max_zip_entries} fichiers internes : ce n'est pas un classeur ordinaire, il est refusé "
            "avant d'être lu."
        )


def check_zip_directory(archive: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    """Refuse a workbook from its zip directory alone: entries, sheets, uncompressed size, compression ratio."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise _zip_refusal(
            f"Le classeur {filename!r} contient {len(entries)} fichiers internes, au-delà de la limite de "
            f"{limits.max_zip_entries} : ce n'est pas un classeur ordinaire, il est refusé avant d'être lu."
        )
    sheets = sum(1 for e in entries if _SHEET_ENTRY.match(e.filename))
    if sheets > limits.max_sheets:
        raise DataError(
            f"Le classeur {filename!r} contient {sheets} feuilles, au-delà de la limite de {limits.max_sheets}.",
            hint="Copiez la feuille de l'indicateur dans un nouveau classeur, ou enregistrez-la en « CSV UTF-8 ».",
        )
    total = sum(e.file_size for e in entries)
    if total > limits.max_uncompressed_bytes:
        raise _zip_refusal(
            f"Le classeur {filename!r} se décompresse en {size_label(total)}, au-delà de la limite de "
            f"{size_label(limits.max_uncompressed_bytes)} : il est refusé avant d'être lu."
        )
    for entry in entries:
        if entry.file_size <= limits.ratio_grace_bytes:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise _zip_refusal(
                f"Le fichier interne {entry.filename!r} du classeur {filename!r} se décompresse {ratio:.0f} fois "
                f"(de {_small_size_label(entry.compress_size)} à {size_label(entry.file_size)} ; limite : "
                f"{limits.max_compression_ratio:g} fois) : c'est la marque d'une « bombe de décompression », "
                "le classeur est refusé avant d'être lu."
            )


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# openpyxl clears a <row> (worksheet) or an <si> (shared strings) once read; it keeps every other element.
_RECORDS = frozenset({f"{_MAIN}}}row", f"{_MAIN}}}si"})
_WORKSHEET = f"{_MAIN}}}worksheet"
_CHUNK = 65_536


class _PartScan:
    """Counts the elements of one XML part while expat streams it, and refuses past a limit."""

    def __init__(self, part: str, filename: str, limits: Limits) -> None:
        self.part, self.filename, self.limits = part, filename, limits
        self.depth = self.record_depth = self.record_elements = self.outside = 0
        self.worksheet = False

    def refuse(self, what: str) -> DataError:
        return _zip_refusal(
            f"Le classeur {self.filename!r} est refusé : son fichier interne {self.part!r} {what}. "
            "Ce n'est pas un classeur ordinaire."
        )

    def start(self, name: str, _attributes: object) -> None:
        limits = self.limits
        self.depth += 1
        if self.depth > limits.max_xml_depth:
            raise self.refuse(f"imbrique des éléments XML sur plus de {limits.max_xml_depth} niveaux")
        if self.record_depth:
            self.record_elements += 1
            if self.record_elements > limits.max_xml_elements_per_record:
                raise self.refuse(f"a une ligne de plus de {limits.max_xml_elements_per_record} éléments XML")
        elif name in _RECORDS:
            self.record_depth, self.record_elements = self.depth, 1
        else:
            self.outside += 1
            if self.outside > limits.max_xml_elements_outside_records:
                raise self.refuse(
                    f"a plus de {limits.max_xml_elements_outside_records} éléments XML hors des lignes de données"
                )
            if self.depth == 1:
                self.worksheet = name == _WORKSHEET

    def end(self, _name: str) -> None:
        if self.depth == self.record_depth:
            self.record_depth = 0
        self.depth -= 1


def scan_xml_parts(archive: zipfile.ZipFile, filename: str, limits: Limits, deadline: Deadline) -> None:
    """Stream every part of a workbook through expat once, refusing hostile XML before openpyxl reads it.

    Entity declarations and external entities raise defusedxml's exceptions, as defusedxml's own
    parser (which openpyxl uses) does; nothing is kept but counters. A part that is not well-formed XML
    is left to openpyxl, which reports the workbook as unreadable.

    Raises
    ------
    DataError
        Past one of the XML limits or the time budget.
    defusedxml.DefusedXmlException
        On an entity declaration or an external entity (the caller turns it into a French message).
    """
    from xml.parsers import expat

    from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

    def forbid_entity(name: str, _parameter: bool, value: str | None, base: str | None, *ids: str | None) -> None:
        raise EntitiesForbidden(name, value, base, *ids)

    def forbid_unparsed(name: str, base: str | None, *ids: str | None) -> None:
        raise EntitiesForbidden(name, None, base, *ids)

    def forbid_external(context: str, base: str | None, *ids: str | None) -> None:
        raise ExternalReferenceForbidden(context, base, *ids)

    worksheets = 0
    for entry in archive.infolist():
        if entry.is_dir():
            continue
        scan = _PartScan(entry.filename, filename, limits)
        parser = expat.ParserCreate(namespace_separator="}")
        parser.StartElementHandler, parser.EndElementHandler = scan.start, scan.end
        parser.EntityDeclHandler = forbid_entity
        parser.UnparsedEntityDeclHandler = forbid_unparsed
        parser.ExternalEntityRefHandler = forbid_external
        with archive.open(entry) as stream:
            try:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
                    deadline.check("vérification du classeur")
                parser.Parse(b"", True)
            except expat.ExpatError:
                continue
        if scan.worksheet:
            worksheets += 1
            if worksheets > limits.max_sheets:
                raise DataError(
                    f"Le classeur {filename!r} contient plus de {limits.max_sheets} feuilles.",
                    hint="Copiez la feuille de l'indicateur dans un nouveau classeur, ou enregistrez-la en "
                    "« CSV UTF-8 ».",
                )
