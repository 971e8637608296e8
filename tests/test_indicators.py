from __future__ import annotations

import pandas as pd
import pytest

from cnrmap.errors import DataError
from cnrmap.indicators.official import indicator_values, list_indicators, read_patients_file, reference_values


def test_list_indicators_on_a_fresh_cache(empty_settings):
    indicators = {i.id: i for i in list_indicators(empty_settings)}
    assert set(indicators) == {"densite_mg", "apl_mg", "apl_mg_2024", "apl_mg_2023", "part_pop_apl_inf_2_5",
                               "zonage_mg", "population", "patients_sans_mt"}  # fmt: skip
    assert indicators["densite_mg"].installed and indicators["densite_mg"].higher_is_better is True
    assert indicators["zonage_mg"].levels == ("departement",)
    assert indicators["zonage_mg"].categories["ZIP"].startswith("Zone d'intervention prioritaire")
    apl = indicators["apl_mg"]
    assert not apl.installed and apl.years[-1] == "2023" and "2020" not in apl.years
    assert apl.all_levels == ("departement", "commune") and "apl_mg_communes" in apl.install_hint
    patients = indicators["patients_sans_mt"]  # offline: drawn from the documents' figures, and says so
    assert patients.installed and patients.origin == "documents" and "pas de source nationale" in patients.source
    assert "cnrmap fetch --only patients_sans_mt" in patients.install_hint
    assert "pas un chiffre officiel DREES" in indicators["apl_mg_2024"].source


def test_department_values_and_report(empty_settings):
    values, report = indicator_values("densite_mg", "departement", empty_settings)
    density = values.set_index("code")["value"]
    assert density["13"] == pytest.approx(103.6) and density["2A"] > 0 and len(density) == 101
    assert report.ok
    apl, report = indicator_values("apl_mg_2024", "departement", empty_settings, departments=["13", "976"])
    assert apl.set_index("code").loc["13", "value"] > 0
    assert report.unmatched_left == ("976",)


def test_commune_level_needs_fetch(empty_settings):
    with pytest.raises(DataError, match="niveau"):
        indicator_values("zonage_mg", "commune", empty_settings, ["13"])
    with pytest.raises(DataError, match="inconnu"):
        indicator_values("nope", "departement", empty_settings)


def test_reference_values(empty_settings):
    density = reference_values("densite_mg", empty_settings)
    assert density["FR"] == pytest.approx(81.0) and density["93"] == pytest.approx(100.1)
    apl = reference_values("apl_mg_2024", empty_settings)
    assert apl["FR"] == pytest.approx(3.72) and 1 < apl["93"] < 6
    zoning = reference_values("zonage_mg", empty_settings)
    assert zoning["75"] == pytest.approx(16.17, abs=0.1)
    assert reference_values("patients_sans_mt", empty_settings) == {}


def test_patients_file_becomes_a_layer(empty_settings, tmp_path):
    path = tmp_path / "p.csv"
    pd.DataFrame(
        {
            "annee": ["2022", "2023", "2023"],
            "departement": ["13", "13", "4"],
            "taux_patients_ald_sans_mt": ["5,1", "6.2", "3"],
        }
    ).to_csv(path, sep=";", index=False)
    frame = read_patients_file(path).set_index("code")["value"]
    assert frame.to_dict() == {"04": 3.0, "13": 6.2}
    with pytest.raises(DataError, match="non installé"):
        read_patients_file(tmp_path / "absent.csv")


def test_commune_values_after_fetch(mirror_settings):
    from cnrmap.sources.fetch import fetch

    assert fetch(mirror_settings, only=["zonage_mg", "population", "cog"], progress=False).ok
    zoning = {i.id: i for i in list_indicators(mirror_settings)}["zonage_mg"]
    assert zoning.levels == ("departement", "commune")
    values, report = indicator_values("population", "commune", mirror_settings, ["13"])
    assert values.set_index("code").loc["13055", "value"] == pytest.approx(886040)
    assert report.ok, report.summary()


def test_patients_file_checks(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("departement,taux_sans_mt\n13,5.5\n13,6\n", encoding="utf-8")
    with pytest.raises(DataError, match="en double") as info:
        read_patients_file(path)
    assert "cnrmap fetch --only patients_sans_mt" in info.value.hint
    path.write_text("departement,taux_sans_mt\n13,5.5\n2A,\n", encoding="utf-8")
    frame = read_patients_file(path).set_index("code")["value"]
    assert frame["13"] == 5.5 and pd.isna(frame["2A"])


def test_committed_tables_keep_their_types(empty_settings):
    from cnrmap.indicators.tables import indicator_table as _table

    table = _table(empty_settings, "population_departements.csv")
    assert table["code"].iloc[0] == "01" and table["region_code"].iloc[0] == "84"
    assert pd.api.types.is_integer_dtype(table["population_2023"])
