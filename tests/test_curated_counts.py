"""The checked-in datasets agree with the counts the source documents state."""

from __future__ import annotations

import pytest

from cnrmap.config import get_settings
from cnrmap.curated.definitions import Filters, departmental_counts, select_propositions, summarize
from cnrmap.curated.load import CnrData, load_cnr_data, load_reference


@pytest.fixture(scope="module")
def data() -> CnrData:
    return load_cnr_data(get_settings())


def test_projects_per_department_and_total(data):
    # 000:69-71 announces 41 projects; the sections list them department by department.
    counts = data.projects["department_code"].value_counts().to_dict()
    assert counts == {"04": 8, "05": 4, "06": 9, "13": 6, "83": 7, "84": 7}
    assert len(data.projects) == 41


def test_bouches_du_rhone_statuses_as_the_press_kit_gives_them(data):
    # 001: PROJET RÉALISÉ at lines 40, 46, 58, 70; EN COURS at 52, 64.
    bdr = data.projects[data.projects["department_code"] == "13"]
    assert bdr["status"].value_counts().to_dict() == {"realise": 4, "en_cours": 2}
    assert bdr["status_source"].str.startswith("001_b025d499e17d2ded.txt:").all()


def test_var_statuses_as_the_press_kit_gives_them(data):
    # 002: « au 8 novembre 2023 »; PROJET RÉALISÉ at 53, 69, 86, 103; EN COURS at 146, 156, 168.
    var = data.projects[data.projects["department_code"] == "83"]
    assert var["status"].value_counts().to_dict() == {"realise": 4, "en_cours": 3}
    assert set(var["status_date"]) == {"2023-11-08"}
    assert var["status_source"].str.startswith("002_2c4c869459a1ff39.txt:").all()


def test_no_status_is_guessed_outside_the_press_kits(data):
    others = data.projects[~data.projects["department_code"].isin(["13", "83"])]
    assert set(others["status"]) == {"non_renseigne"}
    assert (others["status_date"] == "").all() and (others["status_source"] == "").all()


def test_nouvelle_aquitaine_workshops_per_department(data):
    # 003:9-22, « Département / Nombre d'ateliers organisés ».
    workshops = data.meetings[data.meetings["region_code"] == "75"]
    expected = {
        "16": 3,
        "17": 3,
        "19": 4,
        "23": 3,
        "24": 4,
        "33": 6,
        "40": 3,
        "47": 3,
        "64": 4,
        "79": 3,
        "86": 6,
        "87": 5,
    }
    assert workshops["department_code"].value_counts().to_dict() == expected
    assert len(workshops) == 47


def test_nouvelle_aquitaine_theme_contributions(data):
    # 003:37-58: 908 / 345 / 243 / 315, total 1 811.
    rows = data.contributions.set_index("theme")["contributions"].to_dict()
    assert rows == {"acces_medecin": 908, "soins_non_programmes": 345, "attractivite": 243, "prevention": 315}
    assert sum(rows.values()) == 1811


def test_nouvelle_aquitaine_groups_equal_the_sum_of_their_propositions(data):
    na = data.proposals[data.proposals["region_code"] == "75"]
    groups = na[na["level"] == "groupe"].set_index("id")["verbatim_count"]
    children = na[na["level"] == "proposition"].groupby("parent_id")["verbatim_count"].sum()
    assert len(groups) > 0
    assert (groups == children.reindex(groups.index)).all()


def test_department_syntheses_add_up_to_the_region(data):
    na = data.proposals[(data.proposals["region_code"] == "75") & (data.proposals["level"] == "groupe")]
    regional = na[na["scope_level"] == "region"].groupby("theme")["verbatim_count"].sum()
    departmental = na[na["scope_level"] == "departement"].groupby("theme")["verbatim_count"].sum()
    assert regional.to_dict() == departmental.to_dict()


def test_paca_has_76_numbered_proposals_under_four_themes(data):
    # 000:61-62: « 76 contributions ».
    props = select_propositions(data.proposals)
    paca = props[props["region_code"] == "93"]
    assert len(paca) == 76
    assert sorted(paca["number"].astype(int)) == list(range(1, 77))
    assert set(paca["theme"]) == {"acces_medecin", "soins_non_programmes", "attractivite", "prevention"}


def test_every_row_cites_a_seed_line(data):
    for frame in (data.projects, data.proposals, data.meetings, data.contributions):
        assert frame["source"].str.match(r"^\d{3}_[0-9a-f]{16}\.txt:\d").all()


def test_aggregations_on_the_real_data(data):
    departments = load_reference(get_settings()).departments
    region_of = dict(zip(departments["code"], departments["region_code"], strict=True))
    counts, reasons = departmental_counts(data.proposals, Filters(), region_of)
    assert set(counts.index) == {"16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87", "34"}
    assert reasons["83"] == "Propositions formulées pour la région seulement"
    assert reasons["75"] == "Aucun document du CNR santé"
    figures = summarize(data.projects, data.proposals, data.meetings)
    assert figures.projects == 41 and figures.by_status["realise"] == 8 and figures.by_status["en_cours"] == 5
    assert figures.regions == ("75", "76", "93")
    # Counted once: PACA 76 regional, Nouvelle-Aquitaine 178 regional (its 662 departmental ones are in it),
    # Hérault 208 departmental.
    assert figures.propositions.by_region == {"75": 178, "76": 208, "93": 76}
    assert (figures.propositions.distinct, figures.propositions.formulated) == (462, 1124)
