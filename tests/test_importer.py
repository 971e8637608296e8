"""Tests of the "bring your own indicator" importer: one test per bad-input class, plus properties."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cnrmap.errors import DataError
from cnrmap.importer import (
    CodeIndex,
    ImportResult,
    guess_columns,
    import_indicator,
    read_table,
)

COMMUNES = pd.DataFrame(
    [
        {"code": "01001", "nom": "L'Abergement-Clémenciat", "type": "commune-actuelle", "departement": "01"},
        {"code": "01015", "nom": "Arboys en Bugey", "type": "commune-actuelle", "departement": "01",
         "anciensCodes": ["01340"]},
        {"code": "01340", "nom": "Saint-Bois", "type": "commune-deleguee", "departement": "01",
         "chefLieu": "01015"},
        {"code": "04070", "nom": "Forcalquier", "type": "commune-actuelle", "departement": "04"},
        {"code": "13055", "nom": "Marseille", "type": "commune-actuelle", "departement": "13"},
        {"code": "13201", "nom": "Marseille 1er Arrondissement", "type": "arrondissement-municipal",
         "departement": "13"},
        {"code": "2A004", "nom": "Ajaccio", "type": "commune-actuelle", "departement": "2A",
         "anciensCodes": ["20004"]},
        {"code": "2B033", "nom": "Bastia", "type": "commune-actuelle", "departement": "2B",
         "anciensCodes": ["20033"]},
        {"code": "97411", "nom": "Saint-Denis", "type": "commune-actuelle", "departement": "974"},
    ]
)  # fmt: skip
DEPARTEMENTS = pd.DataFrame(
    {
        "code": ["01", "04", "13", "2A", "2B", "974"],
        "nom": ["Ain", "Alpes-de-Haute-Provence", "Bouches-du-Rhône", "Corse-du-Sud", "Haute-Corse", "La Réunion"],
    }
)


@pytest.fixture(scope="module")
def ref() -> CodeIndex:
    return CodeIndex.from_frames(COMMUNES, DEPARTEMENTS)


def run(data: bytes, ref: CodeIndex, filename: str = "indicateur.csv", **kwargs) -> ImportResult:
    return import_indicator(data, filename, reference=ref, **kwargs)


def values(result: ImportResult) -> dict[str, float]:
    return dict(zip(result.values["code"], result.values["value"], strict=True))


def assert_partition(result: ImportResult) -> None:
    buckets = result.report.buckets()
    rows = [r for rs in buckets.values() for r in rs]
    assert len(rows) == len(set(rows)) == result.report.rows_read
    assert len(result.values) == result.report.rows_matched


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Reading: encodings, separators, numbers -----------------------------------------------------


def test_plain_utf8_comma(ref):
    result = run(b"code,valeur\n01001,1.5\n04070,2\n", ref)
    assert result.level == "commune"
    assert values(result) == {"01001": 1.5, "04070": 2.0}
    assert result.report.encoding == "UTF-8" and result.report.separator == ","
    assert result.usable
    assert_partition(result)


def test_latin1(ref):
    data = "code;libellé;taux\n01001;Abergement-Clémenciat;12,5\n".encode("latin-1")
    raw = read_table(data, "f.csv")
    assert "Latin-1" in raw.encoding
    assert raw.frame.columns.tolist() == ["code", "libellé", "taux"]
    assert values(run(data, ref)) == {"01001": 12.5}


def test_cp1252_euro(ref):
    data = "code;dépense (€);nom\n04070;1 234,50;Forcalquier – centre\n".encode("cp1252")
    raw = read_table(data, "f.csv")
    assert "Windows-1252" in raw.encoding
    assert raw.frame.columns[1] == "dépense (€)"
    assert raw.frame.iloc[0, 2] == "Forcalquier – centre"
    assert values(run(data, ref, value_column="dépense (€)")) == {"04070": 1234.5}


def test_utf8_bom(ref):
    data = "\ufeffcode;valeur\n01001;3\n".encode()
    raw = read_table(data, "f.csv")
    assert raw.encoding == "UTF-8 avec BOM"
    assert raw.frame.columns[0] == "code"  # the BOM does not stick to the first header
    assert values(run(data, ref)) == {"01001": 3.0}


def test_semicolon_decimal_comma(ref):
    result = run(b"code;taux\n01001;12,5\n04070;-0,25\n", ref)
    assert result.report.separator == ";" and result.report.decimal == ","
    assert values(result) == {"01001": 12.5, "04070": -0.25}


def test_tab_separator(ref):
    result = run(b"code\tvaleur\n01001\t7\n13055\t8\n", ref)
    assert result.report.separator == "\t"
    assert values(result) == {"01001": 7.0, "13055": 8.0}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1 234 567", 1234567.0), ("1\u00a0234,5", 1234.5), ("1\u202f234,5", 1234.5), ("1.234.567,5", 1234567.5)],
)
def test_thousands_separators(ref, cell, expected):
    data = f"code;valeur\n01001;{cell}\n04070;2,5\n".encode()
    assert values(run(data, ref))["01001"] == expected


def test_utf16_without_bom_is_refused(ref):
    """A wrong encoding that cannot be read as text is a clear DataError, not mojibake."""
    data = "code;valeur\n01001;3\n".encode("utf-16-le")
    with pytest.raises(DataError, match="UTF-16"):
        run(data, ref)


def test_utf16_with_bom_is_read(ref):
    assert values(run("code\tvaleur\n01001\t3\n".encode("utf-16"), ref)) == {"01001": 3.0}


# --- Bad files --------------------------------------------------------------------------------------


def test_empty_file(ref):
    with pytest.raises(DataError, match="vide"):
        run(b"", ref)
    with pytest.raises(DataError, match="vide"):
        run(b"\n\n  \n", ref)


def test_header_only(ref):
    with pytest.raises(DataError, match="en-tête") as info:
        run(b"code;valeur\n", ref)
    assert "'code'" in str(info.value)


def test_missing_column(ref):
    with pytest.raises(DataError, match="'taux'") as info:
        run(b"code;valeur\n01001;3\n", ref, value_column="taux")
    assert "'valeur'" in info.value.render()  # the available columns are listed


def test_single_column_file(ref):
    with pytest.raises(DataError, match="une colonne"):
        run(b"code\n01001\n04070\n", ref)


def test_wrong_types_are_non_numeric(ref):
    data = b"code;valeur\n01001;abc\n04070;12/03/2023\n13055;4\n2A004;1,2,3\n"
    result = run(data, ref)
    assert values(result) == {"13055": 4.0}
    assert [v for _, v in result.report.non_numeric] == ["abc", "12/03/2023", "1,2,3"]
    assert "'abc'" in result.report.to_french()
    assert_partition(result)


def test_issue_14_placeholder_rows_do_not_hide_the_valid_row(ref):
    """Found by hypothesis (issue 14): one valid row and two rows whose value is "." kept no row at all.

    The two "." rows hold department codes ("1" is the Ain) that outvoted the one commune: the file was
    read at department level and its only valid row became an unknown code.
    """
    result = run(b"code,valeur\n01001,0.00\n1,.\n1,.", ref, code_column="code", value_column="valeur")
    assert result.level == "commune"
    assert values(result) == {"01001": 0.0}
    assert result.report.non_numeric == [(3, "."), (4, ".")]
    assert_partition(result)


def test_placeholder_dots_do_not_decide_the_decimal_mark(ref):
    """Two "." voted for the decimal point against one "1,5": the only real number became unreadable."""
    for data in (b'code,valeur\n01001,"1,5"\n04070,.\n13055,.\n', b"code;valeur\n01001;1,5\n04070;.\n13055;.\n"):
        result = run(data, ref)
        assert result.report.decimal == ","
        assert values(result) == {"01001": 1.5}
        assert result.report.non_numeric == [(3, "."), (4, ".")]
        assert_partition(result)


def test_empty_values_and_codes(ref):
    result = run(b"code;valeur\n01001;\n;5\n;\n04070;1\n", ref)
    assert [r for r, _ in result.report.empty] == [2, 3, 4]
    assert result.report.matched_rows == [5]
    assert_partition(result)


def test_truncated_csv(ref):
    data = "code;nom;valeur\n01001;Abergement-Clémenciat;1\n04070;Forcalqu".encode()
    result = run(data, ref, value_column="valeur")
    assert values(result) == {"01001": 1.0}
    assert result.report.empty == [(3, "valeur vide (code '04070')")]
    assert_partition(result)
    # cut inside a multi-byte character: still UTF-8, with a note
    cut = "code;nom;valeur\n01001;x;1\n04070;Cl\u00e9".encode()[:-1]
    result = run(cut, ref, value_column="valeur")
    assert result.report.encoding == "UTF-8"
    assert any("tronqué" in n for n in result.report.notes)


def test_truncated_xlsx(ref):
    data = xlsx_bytes([["code", "valeur"], ["01001", 1]])
    with pytest.raises(DataError, match="illisible"):
        run(data[: len(data) // 2], ref, filename="f.xlsx")


def test_binary_junk(ref):
    junk = bytes(range(256)) * 20
    with pytest.raises(DataError, match="binaire"):
        run(junk, ref, filename="f.csv")
    with pytest.raises(DataError, match="n'est pas un classeur"):
        run(b"\x89PNG\r\n\x1a\n" + junk, ref, filename="f.xlsx")
    with pytest.raises(DataError, match=r"\.xls"):
        run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk, ref, filename="f.xls")


def test_zip_that_is_not_a_workbook(ref):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(DataError, match="illisible"):
        run(buffer.getvalue(), ref, filename="f.xlsx")


def test_over_size(ref):
    with pytest.raises(DataError, match="limite de 20,0 Mo"):
        run(b"code;valeur\n" + b"01001;1\n" * 2_600_000, ref)
    with pytest.raises(DataError, match="limite"):
        run(b"code;valeur\n01001;1\n", ref, max_bytes=10)


# --- Codes ------------------------------------------------------------------------------------------


def test_lost_leading_zeros_commune_and_department(ref):
    assert values(run(b"code;v\n1001;1\n4070;2\n", ref)) == {"01001": 1.0, "04070": 2.0}
    result = run(b"dep;v\n1;1\n4;2\n13;3\n974;4\n", ref)
    assert result.level == "departement"
    assert values(result) == {"01": 1.0, "04": 2.0, "13": 3.0, "974": 4.0}


def test_corsica_2a_2b(ref):
    result = run(b"code;v\n2A004;1\n2b033;2\n", ref)
    assert values(result) == {"2A004": 1.0, "2B033": 2.0}
    result = run(b"dep;v\n2A;1\n2B;2\n20;3\n", ref)
    assert values(result) == {"2A": 1.0, "2B": 2.0}
    (unknown,) = result.report.unknown_codes
    assert unknown.raw_code == "20" and [s.code for s in unknown.suggestions] == ["2A", "2B"]


def test_old_corsican_commune_code(ref):
    (unknown,) = run(b"code;v\n20004;1\n01001;2\n", ref).report.unknown_codes
    assert [s.code for s in unknown.suggestions] == ["2A004"]


def test_duplicated_codes(ref):
    result = run(b"code;v\n01001;1\n1001;1\n04070;2\n04070;3\n", ref)
    assert values(result) == {"01001": 1.0, "04070": 2.0}
    dups = {d.code: d for d in result.report.duplicated_codes}
    assert dups["01001"].kept_row == 2 and dups["01001"].dropped_rows == (3,) and dups["01001"].same_values
    assert dups["04070"].dropped_rows == (5,) and not dups["04070"].same_values
    assert "DIFFÉRENTES" in result.report.to_french()
    assert_partition(result)


def test_unknown_codes_with_suggestions(ref):
    result = run(b"code;v\n01001;1\n04071;2\n99999;3\nMarseile;4\n", ref)
    unknown = {u.raw_code: u for u in result.report.unknown_codes}
    assert set(unknown) == {"04071", "99999", "Marseile"}
    assert unknown["04071"].rows == (3,)
    assert "04070" in [s.code for s in unknown["04071"].suggestions]
    assert "13055" in [s.code for s in unknown["Marseile"].suggestions]
    assert "'99999'" in result.report.to_french()
    assert_partition(result)


def test_old_merged_code_suggestion(ref):
    result = run(b"code;v\n01340;1\n01001;2\n", ref)
    (unknown,) = result.report.unknown_codes
    assert unknown.raw_code == "01340"
    (suggestion,) = unknown.suggestions
    assert (suggestion.code, suggestion.name) == ("01015", "Arboys en Bugey")
    assert "ancien code" in result.report.to_french()


def test_nothing_usable_is_a_report_not_an_error(ref):
    result = run(b"code;v\n99998;1\n99999;2\n", ref)
    assert not result.usable and result.values.empty
    assert "Aucune ligne utilisable" in result.report.to_french()


# --- XLSX -------------------------------------------------------------------------------------------


def test_xlsx_formula_is_not_evaluated(ref):
    data = xlsx_bytes([["code", "valeur"], ["01001", 2], ["04070", "=B2*10"], [1001.0, 5], ["13055", 1.5]])
    result = run(data, ref, filename="f.xlsx")
    assert result.report.encoding == "XLSX"
    assert values(result) == {"01001": 2.0, "13055": 1.5}
    assert result.report.non_numeric == [(3, "=B2*10")]
    assert "formule" in result.report.to_french()
    assert [d.code for d in result.report.duplicated_codes] == ["01001"]
    assert_partition(result)


def test_xlsx_cached_value_ignored(ref):
    """A workbook saved by a spreadsheet keeps the formula's cached result: it must not be used."""
    data = xlsx_bytes([["code", "valeur"], ["01001", "=1+1"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert "<f>1+1</f><v></v>" in sheet or "<f>1+1</f><v />" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("<v></v>", "<v>2</v>").replace("<v />", "<v>2</v>").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    result = run(buffer.getvalue(), ref, filename="f.xlsx")
    assert result.report.non_numeric == [(2, "=1+1")] and not result.usable


# --- Columns and export -----------------------------------------------------------------------------


def test_guess_columns(ref):
    raw = read_table("Libellé;Code géo;Année;Taux\nAin;01;2023;12,5\nCorse;2A;2023;3\n".encode(), "f.csv")
    assert guess_columns(raw, ref) == ("Code géo", "Taux")


def test_guess_prefers_code_header_over_small_values(ref):
    """Values 1, 4, 13 are also department codes: the header decides."""
    raw = read_table(b"code;valeur\n99999;1\n04070;4\n13055;13\n", "f.csv")
    assert guess_columns(raw, ref) == ("code", "valeur")
    raw = read_table(b"a;b\n01001;1\n", "f.csv")
    assert guess_columns(raw, ref, exclude=["a"]) == ("b", None)


def test_table_joined_to_names(ref):
    result = run(b"code;v\n1001;1\n", ref, name="Taux", unit="%")
    table = result.table()
    assert table.columns.tolist() == ["code", "nom", "Taux (%)"]
    assert table.iloc[0].tolist() == ["01001", "L'Abergement-Clémenciat", 1.0]


def test_real_cog(mirror_dir):
    reference = CodeIndex.from_cog_json(mirror_dir / "opendata" / "cog" / "communes.json")
    assert reference.communes["2A004"] == "Ajaccio"
    assert reference.departements["13"] == "Bouches-du-Rhône"
    data = b"code;valeur\n1001;1\n01340;2\n75101;3\n2A004;4\n"
    result = import_indicator(data, "f.csv", reference=reference)
    assert values(result) == {"01001": 1.0, "75101": 3.0, "2A004": 4.0}
    (unknown,) = result.report.unknown_codes
    assert [s.code for s in unknown.suggestions] == ["01015"]


# --- Properties -------------------------------------------------------------------------------------

KNOWN = ["01001", "04070", "13055", "2A004", "2B033", "97411"]


def code_variants(code: str) -> list[str]:
    out = [code, code.lower(), f" {code} "]
    if code.startswith("0"):
        out.append(code.lstrip("0"))
    return out


def value_text(value: float, decimal: str, thousands: str) -> str:
    whole, frac = f"{abs(value):.2f}".split(".")
    if thousands:
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = thousands.join([whole, *groups])
    return ("-" if value < 0 else "") + whole + decimal + frac


row_strategy = st.one_of(
    st.tuples(st.just("ok"), st.sampled_from(KNOWN), st.floats(-1e7, 1e7).map(lambda v: round(v, 2))),
    st.tuples(st.just("junk"), st.text(max_size=8), st.text(max_size=8)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(row_strategy, min_size=1, max_size=15),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]),
    thousands=st.sampled_from(["", " ", "\u00a0"]),
    data=st.data(),
)
def test_property_rows_are_matched_or_reported(ref, rows, sep, encoding, thousands, data):
    decimal = "," if sep != "," else "."
    if encoding in ("cp1252", "latin-1") and thousands == "\u00a0":
        thousands = " "
    lines = [sep.join(["code", "valeur"])]
    ok_rows: dict[int, tuple[str, float]] = {}
    for line_number, (kind, code, value) in enumerate(rows, start=2):
        if kind == "ok":
            cell = data.draw(st.sampled_from(code_variants(code)))
            lines.append(sep.join([cell, value_text(value, decimal, thousands)]))
            ok_rows[line_number] = (code, value)
        else:
            clean = [c.replace(sep, " ").replace('"', "").replace("\n", " ").replace("\r", " ") for c in (code, value)]
            lines.append(sep.join(clean))
    blob = "\n".join(lines).encode(encoding, errors="replace")
    try:
        result = run(blob, ref, code_column="code", value_column="valeur")
    except DataError:
        return
    assert_partition(result)
    buckets = result.report.buckets()
    kept = set(buckets["matched"]) | set(buckets["duplicate"])
    for line_number, (code, value) in ok_rows.items():
        assert line_number in kept, (line_number, code, value, result.report.to_french())
        if line_number in result.values.index:
            assert result.values.loc[line_number, "code"] == code
            assert result.values.loc[line_number, "value"] == pytest.approx(value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=400), name=st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
def test_property_arbitrary_bytes_never_crash(ref, blob, name):
    try:
        result = run(blob, ref, filename=name)
    except DataError as exc:
        assert str(exc)
        return
    assert_partition(result)
    assert isinstance(result.report.to_french(), str)
