"""Tests of the spreadsheet-safe CSV export."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from cnrmap.export.csv import neutralize, to_csv_bytes

FRAME = pd.DataFrame(
    {
        "code": ["01001", "2A004", "97411"],
        "nom": ["L'Abergement-Clémenciat", "Ajaccio", "Saint-Denis; « Réunion »"],
        "taux (%)": [12.5, -3.25, 1234567.125],
        "effectif": [1, -2, 3],
    }
)
READ = {"utf8-bom": {"sep": ",", "decimal": "."}, "semicolon": {"sep": ";", "decimal": ","}}


def read_back(data: bytes, variant: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"code": str}, **READ[variant])


@pytest.mark.parametrize("variant", ["utf8-bom", "semicolon"])
def test_round_trip(variant):
    data = to_csv_bytes(FRAME, variant=variant)
    assert data.startswith(b"\xef\xbb\xbf")
    back = read_back(data, variant)
    pd.testing.assert_frame_equal(back, FRAME, check_dtype=False)
    assert back["taux (%)"].dtype.kind == "f" and back["effectif"].dtype.kind == "i"


def test_semicolon_uses_decimal_comma():
    text = to_csv_bytes(FRAME, variant="semicolon").decode("utf-8-sig")
    assert "01001;L'Abergement-Clémenciat;12,5;1" in text
    assert "-3,25;-2" in text


@pytest.mark.parametrize("variant", ["utf8-bom", "semicolon"])
def test_formula_cells_neutralised(variant):
    frame = pd.DataFrame(
        {
            "code": ["01001", "04070", "13055", "2A004", "97411"],
            "nom": ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "Marseille"],
            "valeur": [-1.5, -2.0, 0.0, 3.0, -4.0],
        }
    )
    back = read_back(to_csv_bytes(frame, variant=variant), variant)
    assert back["nom"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+cmd|' /C calc'!A0",
        "'-2+3",
        "'@SUM(A1)",
        "Marseille",
    ]
    assert back["valeur"].tolist() == [-1.5, -2.0, 0.0, 3.0, -4.0]  # negative numbers stay numbers


def test_formula_header_neutralised():
    data = to_csv_bytes(pd.DataFrame({"=1+1": [1]}))
    assert data.decode("utf-8-sig").splitlines()[0] == "'=1+1"


def test_negative_numbers_untouched_even_as_text():
    assert neutralize(-3.5) == -3.5
    assert neutralize("-3,5") == "-3,5"
    assert neutralize("-3+5") == "'-3+5"
    assert neutralize("\t=1") == "'\t=1"


def test_unknown_variant():
    with pytest.raises(ValueError, match="'excel'"):
        to_csv_bytes(FRAME, variant="excel")  # type: ignore[arg-type]
