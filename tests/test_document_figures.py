"""The documents' figures dataset: schema, vocabularies, codes, every value written in its quote, and (on the mirror)
every quote found in the seed line(s) it cites."""

from __future__ import annotations

import pandas as pd
import pytest

from cnrmap import vocab
from cnrmap.config import get_settings
from cnrmap.curated import figures
from cnrmap.curated.load import load_document_figures, load_reference
from cnrmap.curated.validate import validate_frames


@pytest.fixture(scope="module")
def dataset() -> pd.DataFrame:
    return load_document_figures(get_settings())


def problems_of(frame: pd.DataFrame) -> list[str]:
    return [str(p) for p in validate_frames({"document_figures": frame}, load_reference(get_settings()))]


def test_the_committed_dataset_is_valid(dataset):
    assert problems_of(dataset) == []
    assert len(dataset) == 489 and dataset["id"].is_unique and list(dataset["id"]) == sorted(dataset["id"])
    assert set(dataset["indicator"]) <= set(vocab.FIGURE_INDICATORS)
    assert set(dataset["territory_level"]) <= set(vocab.FIGURE_LEVELS)
    counts = dataset["id"].str[2:5].value_counts().to_dict()
    assert counts == {"003": 434, "004": 51, "002": 3, "000": 1}


def test_every_row_writes_its_value_in_its_quote_or_says_it_is_in_words(dataset):
    in_words = dataset["remark"].str.contains(figures.IN_WORDS)
    for row in dataset[~in_words].itertuples():
        assert figures.value_in_text(figures.value_text(row.value), row.quote), (row.id, row.value, row.quote)
    assert in_words.sum() >= 40  # « un », « deux », « la moitié », « 3/4 »… each said in the remark


def test_figures_the_issue_names_are_there(dataset):
    rows = dataset.set_index("id")
    assert rows.loc["F-003-0013", ["territory_codes", "indicator", "value"]].tolist() == [
        "19", "patients_sans_mt_part", 15.0,
    ]  # fmt: skip
    bergerac = dataset[(dataset["territory_codes"] == "241") & (dataset["indicator"] == "patients_sans_mt_part")]
    assert bergerac["value"].tolist() == [7.49]
    gatine = dataset[dataset["territory"] == "Territoire de Gâtine"]
    assert set(gatine["value"]) >= {12.0, 13.0} and set(gatine["territory_codes"]) == {""}
    herault = dataset[(dataset["territory_codes"] == "34") & (dataset["indicator"] == "densite_medecins_generalistes")]
    assert "Ne découle pas des chiffres voisins" in herault["remark"].iloc[0]  # 1 268 GPs for 1,217 M: 10,4, not 10,9


@pytest.mark.parametrize(
    ("value", "text", "found"),
    [
        ("7.49", "7,49% de la population", True),
        ("7.49", "17,49 %", False),
        ("7.5", "(7,5% en Dordogne)", True),
        ("7.5", "7,50 %", True),
        ("102458", "102 458 habitants", True),
        ("102458", "102\u202f458 habitants", True),
        ("90945", "accueillait 90 945 habitants", True),
        ("-18", "pour la commune de Pau (- 18 %)", True),
        ("18", "pour la commune de Pau (- 18 %)", True),
        ("-18", "pour la commune de Pau (18 %)", False),
        ("1217000", "avec 1,217M habitants", True),
        ("11000", "11K personnes arrivent", True),
        ("16.5", "16.5% en France", True),
        ("2", "deux médecins", False),
    ],
)
def test_values_are_found_the_french_way(value, text, found):
    assert figures.value_in_text(value, text) is found


GOOD = {
    "id": "F-003-0052", "territory": "Arrondissement de Bergerac", "territory_level": "arrondissement",
    "territory_codes": "241", "department_code": "24", "region_code": "75", "indicator": "patients_sans_mt_part",
    "indicator_label": "population sans médecin traitant", "value": 7.49, "unit": "%", "year": "",
    "quote": "7,49% de la population de l’arrondissement de Bergerac n’a pas de médecin traitant",
    "source": "003_69b1a6520f933c0b.txt:4389", "remark": "",
}  # fmt: skip


def frame_of(*changes: dict) -> pd.DataFrame:
    rows = [{**GOOD, **change} for change in changes]
    return pd.DataFrame(rows, index=range(2, 2 + len(rows))).astype({"value": float})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"indicator": "densite"}, "n'est pas une valeur permise"),
        ({"territory_level": "canton"}, "n'est pas une valeur permise"),
        ({"territory_codes": "249"}, "code '249' inconnu"),
        ({"territory_codes": ""}, "porte son code INSEE"),
        ({"territory_level": "epci", "territory_codes": "241"}, "sans code : laisser vide"),
        ({"department_code": "33"}, None),  # 33 is in 75 too: consistent
        ({"region_code": "93"}, "n'est pas dans la région '93'"),
        ({"value": 7.5}, "ne contient pas la valeur '7.5'"),
        ({"year": "vers 2020"}, "AAAA ou AAAA-AAAA"),
        ({"source": "003_69b1a6520f933c0b.txt:4389; 003_69b1a6520f933c0b.txt:4390"}, "une seule"),
        ({"id": "F-004-0052"}, "n'est pas le document 004"),
        ({"id": "F3"}, "F-<document>-<nnnn>"),
    ],
)
def test_each_rule_is_checked(change, expected):
    found = problems_of(frame_of(change))
    if expected is None:
        assert found == []
    else:
        assert any(expected in p for p in found), found


def test_a_value_in_words_needs_a_remark_saying_so():
    change = {"value": 2.0, "quote": "deux médecins en activité"}
    assert any("écrite en chiffres" in p for p in problems_of(frame_of(change)))
    said = {**change, "remark": "Valeur écrite en toutes lettres (« deux »)."}
    assert problems_of(frame_of(said)) == []


def test_rows_must_be_sorted_by_id():
    found = problems_of(frame_of({"id": "F-003-0053"}, {"id": "F-003-0052"}))
    assert any("rangées par identifiant" in p for p in found)


def test_quotes_are_checked_against_the_cited_lines(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    lines = ["x"] * 4388 + ["7,49% de la population de l’arrondissement de Bergerac n’a pas de médecin traitant (7,5%"]
    (seeds / "003_69b1a6520f933c0b.txt").write_text("\n".join([*lines, "en Dordogne)."]), encoding="utf-8")
    assert figures.quote_problems(frame_of({}), seeds) == []
    wrong_line = frame_of({"source": "003_69b1a6520f933c0b.txt:4388"})
    assert "citation absente" in str(figures.quote_problems(wrong_line, seeds)[0])
    across = frame_of({"quote": "(7,5% en Dordogne)", "value": 7.5, "source": "003_69b1a6520f933c0b.txt:4389-4390"})
    assert figures.quote_problems(across, seeds) == []  # consecutive lines joined by one space
    beyond = frame_of({"source": "003_69b1a6520f933c0b.txt:9999"})
    assert "introuvables" in str(figures.quote_problems(beyond, seeds)[0])


def test_every_row_cites_a_line_that_contains_its_value(dataset, mirror_dir):
    """Mirror test: each quote is in the seed line(s) it cites, and those lines hold the value."""
    assert figures.quote_problems(dataset, mirror_dir / "seeds") == []
    for row in dataset.itertuples():
        text = figures.collapse(figures.cited_text(mirror_dir / "seeds", row.source))
        assert figures.collapse(row.quote) in text
        assert figures.IN_WORDS.search(row.remark) or figures.value_in_text(figures.value_text(row.value), text)


def test_cnrmap_validate_checks_the_quotes_when_the_mirror_has_the_seeds(mirror_dir, monkeypatch, capsys):
    from cnrmap.cli.validate import _run

    monkeypatch.setenv("CNRMAP_MIRROR", str(mirror_dir))
    assert _run(None) == 0
    out = capsys.readouterr().out
    assert "489 chiffres des documents (citations vérifiées dans les documents : 489)" in out


def test_reference_tables_hold_the_codes_the_figures_name(dataset):
    reference = load_reference(get_settings())
    assert figures.codes_named(dataset, ["arrondissement"]) == set(reference.arrondissements["code"])
    assert figures.codes_named(dataset, ["commune"]) <= set(reference.communes["code"])
