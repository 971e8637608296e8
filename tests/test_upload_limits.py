"""Hostile uploads are refused before they are parsed (issue 17), each with a French message.

Every hostile file is built here. Each refusal is measured: elapsed time and peak Python memory
(tracemalloc) of the import call. The bounds below (5 s, 50 MB) are not timing targets: they are
generous, only to fail loudly if a check starts reading what it should refuse from the zip directory or
the raw bytes alone. The measured figures are printed (``pytest -s``); ``python -m test_upload_limits``
(from ``tests/``) prints them as a table.
"""

from __future__ import annotations

import io
import math
import time
import tomllib
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import IO

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from cnrmap.config import get_settings
from cnrmap.errors import DataError
from cnrmap.importer import MAX_BYTES, CodeIndex, Limits, import_indicator
from cnrmap.importer.limits import Deadline

TIME_BOUND = 5.0
MEMORY_BOUND = 50_000_000
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER_ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
REF = CodeIndex(
    communes={"01001": "L'Abergement-Clémenciat", "04070": "Forcalquier"},
    departements={"01": "Ain", "04": "Alpes-de-Haute-Provence"},
)


def measure(data: bytes, filename: str, **kwargs: object) -> tuple[DataError, float, int]:
    """Import ``data`` expecting a refusal; return it with the elapsed seconds and the peak bytes."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        import_indicator(data, filename, reference=REF, **kwargs)
    except DataError as exc:
        error = exc
    else:
        error = None
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert error is not None, f"{filename} was not refused"
    return error, elapsed, peak


def refused(data: bytes, filename: str, match: str, **kwargs: object) -> DataError:
    error, elapsed, peak = measure(data, filename, **kwargs)
    print(f"\n{filename}: refused in {elapsed:.3f} s, peak {peak / 1e6:.1f} MB: {error.message}")
    assert match in error.render(), error.render()
    assert elapsed < TIME_BOUND, f"{elapsed:.1f} s: the check reads the content it should refuse"
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB: the check reads the content it should refuse"
    return error


# --- Builders ---------------------------------------------------------------------------------------


def _parts() -> dict[str, bytes]:
    book = Workbook()
    book.active.append(["code", "valeur"])
    book.active.append(["01001", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def workbook(
    sheet: bytes | Callable[[IO[bytes]], None] | None = None,
    extra: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A valid workbook whose first sheet is ``sheet`` (bytes, or a function streaming them) plus ``extra`` entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in _parts().items():
            if name == "xl/worksheets/sheet1.xml" and callable(sheet):
                with archive.open(name, "w", force_zip64=True) as handle:
                    sheet(handle)
            else:
                archive.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" and sheet else content)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def sheet_xml(data: bytes, dimension: str | None = "A1:B2", after: bytes = b"") -> bytes:
    dim = b'<dimension ref="%s"/>' % dimension.encode() if dimension else b""
    return b'<worksheet xmlns="%s">%s<sheetData>%s</sheetData>%s</worksheet>' % (MAIN, dim, data, after)


def commented_sheet(size: int) -> Callable[[IO[bytes]], None]:
    """A sheet whose XML holds a comment of ``size`` bytes: the zip bomb of issue 17."""

    def write(handle: IO[bytes]) -> None:
        handle.write(b'<worksheet xmlns="%s"><!--' % MAIN)
        chunk = b"A" * 1_000_000
        for _ in range(size // len(chunk)):
            handle.write(chunk)
        handle.write(b"--><sheetData>%s</sheetData></worksheet>" % HEADER_ROW)

    return write


def many_entries(count: int) -> bytes:
    return workbook(extra={f"x/{i}": b"" for i in range(count)}, compression=zipfile.ZIP_STORED)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%s;" % (b"" if i == 1 else b"%d" % (i - 1))) * 10) for i in range(1, 10)
    )
    + b"]>\n"
    + sheet_xml(b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', dimension=None)
)


@pytest.fixture(scope="module")
def bomb_by_size() -> bytes:
    """About 400 MB of XML in about 400 KB, as in issue 17."""
    return workbook(commented_sheet(400_000_000))


# --- Workbooks: the zip directory -------------------------------------------------------------------


def test_zip_bomb_by_size(bomb_by_size):
    assert len(bomb_by_size) < 1_000_000
    refused(bomb_by_size, "bombe-taille.xlsx", "se décompresse en 400,0 Mo, au-delà de la limite de 100,0 Mo")


def test_zip_bomb_by_ratio():
    data = workbook(commented_sheet(20_000_000))
    refused(data, "bombe-taux.xlsx", "se décompresse 1020 fois (de 19,6 ko à 20,0 Mo ; limite : 100 fois)")


def test_many_entries():
    refused(many_entries(5_000), "entrees.xlsx", "5009 fichiers internes, au-delà de la limite de 1000")


def test_huge_directory_is_refused_from_the_end_record():
    """30,000 entries would take a second and 17 MB just to list: refused from the end record."""
    refused(many_entries(30_000), "repertoire.xlsx", "répertoire interne")


def test_too_many_sheets():
    sheets = {f"xl/worksheets/sheet{i}.xml": sheet_xml(b"") for i in range(2, 152)}
    refused(workbook(extra=sheets), "feuilles.xlsx", "151 feuilles, au-delà de la limite de 100")


# --- Workbooks: the XML -----------------------------------------------------------------------------


def test_deep_xml():
    depth = 100_000
    cell = b'<row r="1"><c r="A1"><v>1</v>' + b"<x>" * depth + b"</x>" * depth + b"</c></row>"
    refused(workbook(sheet_xml(cell)), "profond.xlsx", "sur plus de 64 niveaux")


def test_entity_expansion():
    refused(workbook(BILLION_LAUGHS), "entites.xlsx", "billion laughs")


def test_openpyxl_itself_parses_with_defusedxml():
    """The second line of defence: what openpyxl reads goes through defusedxml, which refuses entities."""
    import openpyxl.xml
    from defusedxml import EntitiesForbidden
    from openpyxl.xml import functions

    assert openpyxl.xml.DEFUSEDXML
    assert functions.iterparse.__module__.startswith("defusedxml")
    with pytest.raises(ValueError) as info:  # openpyxl wraps defusedxml's error
        load_workbook(io.BytesIO(workbook(BILLION_LAUGHS)), read_only=True)
    assert isinstance(info.value.__cause__, EntitiesForbidden)


def test_entities_refused_by_openpyxl_when_the_scan_is_skipped(monkeypatch):
    monkeypatch.setattr("cnrmap.importer.read.scan_xml_parts", lambda *args: None)
    refused(workbook(BILLION_LAUGHS), "entites.xlsx", "billion laughs")


def test_elements_outside_rows():
    """openpyxl keeps every element that is not a row in memory: 150,000 of them are refused."""
    junk = b"<x/>" * 150_000
    refused(workbook(sheet_xml(HEADER_ROW, after=junk)), "elements.xlsx", "hors des lignes de données")


def test_elements_inside_one_row():
    row = b'<row r="1"><c r="A1"><v>1</v></c>' + b"<x/>" * 30_000 + b"</row>"
    refused(workbook(sheet_xml(row)), "ligne.xlsx", "une ligne de plus de 20000 éléments XML")


# --- Workbooks: rows and columns --------------------------------------------------------------------


def test_declared_dimension_too_wide():
    refused(
        workbook(sheet_xml(HEADER_ROW, "A1:XFD1048576")),
        "large.xlsx",
        "annonce 16384 colonnes (dimension A1:XFD1048576), au-delà de la limite de 1000 colonnes",
    )


def test_declared_dimension_too_long():
    data = workbook(sheet_xml(HEADER_ROW, "A1:B5000"))
    refused(
        data,
        "long.xlsx",
        "annonce 5000 lignes (dimension A1:B5000), au-delà de la limite de 1000 lignes de données",
        limits=Limits(max_rows=1000),
    )


def test_wide_row_without_dimension():
    far = get_column_letter(5000).encode()
    row = b'<row r="1"><c r="A1"><v>1</v></c><c r="%s1"><v>2</v></c></row>' % far
    refused(workbook(sheet_xml(row, dimension=None)), "colonnes.xlsx", "a 5000 colonnes, au-delà de la limite de 1000")


def test_rows_past_the_limit_without_dimension():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>1</v></c></row>' % (i, i, i, i) for i in range(1, 1300)
    )
    data = workbook(sheet_xml(rows, dimension=None))
    refused(data, "lignes.xlsx", "plus de 1100 lignes, au-delà de la limite de 1000", limits=Limits(max_rows=1000))


# --- CSV --------------------------------------------------------------------------------------------


def test_csv_line_of_50_mb():
    data = b"code;valeur\n01001;" + b"9" * 50_000_000 + b"\n"
    refused(data, "ligne.csv", "au-delà de la limite de 20,0 Mo")
    # Even past the size limit, the line is refused on the bytes, without decoding them.
    refused(data, "ligne.csv", "La ligne 2 du fichier 'ligne.csv' fait 50,0 Mo", max_bytes=60_000_000)


def test_csv_long_line_within_the_size_limit():
    data = b"code;valeur\n01001;1\n" + b"x" * 5_000_000 + b"\n"
    refused(data, "longue.csv", "au-delà de la limite de 100000 octets par ligne")


def test_csv_too_many_columns():
    data = ";".join(f"c{i}" for i in range(5_000)).encode() + b"\n01001;1\n"
    refused(data, "colonnes.csv", "La ligne 1 du fichier 'colonnes.csv' a 5000 colonnes")


def test_csv_too_many_lines():
    refused(b"code;valeur\n" + b"\n" * 15_000_000, "lignes.csv", "au-delà de la limite de 400000")


def test_csv_with_carriage_returns_only_is_read():
    """Old Mac spreadsheets end lines with CR alone: not one long line."""
    data = b"code;valeur\r" + b"01001;1\r" * 20_000
    assert import_indicator(data, "mac.csv", reference=REF).report.rows_read == 20_000


# --- Time -------------------------------------------------------------------------------------------


def test_deadline_with_a_fake_clock():
    now = [0.0]
    deadline = Deadline(10, "f.csv", clock=lambda: now[0])
    deadline.check("lecture")
    now[0] = 10.5
    with pytest.raises(DataError, match=r"'f.csv' a dépassé le temps de calcul maximal de 10 s \(lecture\)"):
        deadline.check("lecture")


@pytest.mark.parametrize(
    ("data", "filename", "stage"),
    [
        (b"code;valeur\n" + b"01001;1\n" * 50_000, "lent.csv", "lecture du CSV"),
        (workbook(), "lent.xlsx", "vérification du classeur"),
    ],
)
def test_import_stops_cleanly_past_its_time_budget(data, filename, stage):
    refused(data, filename, f"temps de calcul maximal de 0 s ({stage})", limits=Limits(time_budget=0))


# --- Streamlit --------------------------------------------------------------------------------------


def test_streamlit_upload_limit_is_the_importer_limit():
    """Streamlit counts ``server.maxUploadSize`` in MiB: the importer's byte limit, rounded up."""
    config = tomllib.loads((get_settings().root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == math.ceil(MAX_BYTES / 2**20) == 20


if __name__ == "__main__":
    cases = {
        "zip bomb by size (400 MB comment)": (workbook(commented_sheet(400_000_000)), "bombe-taille.xlsx", {}),
        "zip bomb by ratio (20 MB comment)": (workbook(commented_sheet(20_000_000)), "bombe-taux.xlsx", {}),
        "5,000 zip entries": (many_entries(5_000), "entrees.xlsx", {}),
        "30,000 zip entries": (many_entries(30_000), "repertoire.xlsx", {}),
        "deep XML (100,000 levels)": (
            workbook(sheet_xml(b'<row r="1"><c r="A1">' + b"<x>" * 100_000 + b"</x>" * 100_000 + b"</c></row>")),
            "profond.xlsx",
            {},
        ),
        "entity expansion (billion laughs)": (workbook(BILLION_LAUGHS), "entites.xlsx", {}),
        "150,000 elements outside rows": (
            workbook(sheet_xml(HEADER_ROW, after=b"<x/>" * 150_000)),
            "elements.xlsx",
            {},
        ),
        "dimension A1:XFD1048576": (workbook(sheet_xml(HEADER_ROW, "A1:XFD1048576")), "large.xlsx", {}),
        "CSV line of 50 MB": (b"code;valeur\n01001;" + b"9" * 50_000_000, "ligne.csv", {}),
        "CSV line of 50 MB, size limit lifted": (
            b"code;valeur\n01001;" + b"9" * 50_000_000,
            "ligne.csv",
            {"max_bytes": 60_000_000},
        ),
        "CSV of 5,000 columns": (";".join(f"c{i}" for i in range(5_000)).encode(), "colonnes.csv", {}),
        "CSV of 15,000,000 lines": (b"\n" * 15_000_000, "lignes.csv", {}),
    }
    print(f"{'case':40} {'time (s)':>9} {'peak (MB)':>10}  refusal")
    for label, (data, filename, kwargs) in cases.items():
        error, elapsed, peak = measure(data, filename, **kwargs)
        print(f"{label:40} {elapsed:9.3f} {peak / 1e6:10.1f}  {error.message[:90]}")
