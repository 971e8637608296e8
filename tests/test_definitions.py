"""What the CNR data means (filters, propositions, projects of a territory), on small frames made here."""

from __future__ import annotations

import pandas as pd
import pytest

from cnrmap.curated.definitions import (
    Filters,
    departmental_counts,
    distinct_propositions,
    project_counts,
    projects_in,
    proposition_scope,
    proposition_totals,
    select_projects,
    select_propositions,
    status_counts,
    summarize,
)


@pytest.fixture()
def projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["A", "B", "C", "D"],
            "department_code": ["13", "13", "83", "13"],
            "title": ["Médiation en santé", "Centre de soins", "Transports", "Équipe mobile"],
            "summary": ["", "non programmés", "", ""],
            "theme": ["prevention", "soins_non_programmes", "soins_non_programmes", "prevention"],
            "status": ["realise", "en_cours", "non_renseigne", "en_cours"],
            "commune_codes": ["13001", "13001;13002", "83001", None],
            "location_precision": ["commune", "etablissement", "commune", "departement"],
        }
    )


@pytest.fixture()
def proposals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["G", "P1", "P2", "P3", "P4", "P5"],
            "region_code": ["75", "75", "75", "75", "93", "76"],
            "scope_level": ["departement", "departement", "departement", "region", "region", "departement"],
            "territory_code": ["33", "33", "40", "75", "93", "34"],
            "theme": ["prevention", "prevention", "attractivite", "prevention", "prevention", "attractivite"],
            "axis": ["", "", "", "", "Dépistage", ""],
            "level": ["groupe", "proposition", "proposition", "proposition", "proposition", "proposition"],
            "text": ["Groupe", "Prévenir", "Attirer", "Prévenir aussi", "Dépister", "Former"],
        }
    )


def test_an_empty_filter_means_all(projects):
    assert Filters().all
    assert list(select_projects(projects)["id"]) == ["A", "B", "C", "D"]
    assert select_projects(projects, Filters(statuses=())).equals(select_projects(projects))


def test_every_status_selected_is_the_same_filter_as_none():
    assert Filters(statuses=("realise", "en_cours", "abandonne", "non_renseigne")) == Filters()
    assert Filters(statuses=("realise", "en_cours", "abandonne", "non_renseigne")).describe() == []


def test_unknown_filter_value_is_quoted():
    with pytest.raises(ValueError, match="'perdu'"):
        Filters(statuses=("perdu",))


def test_filters_are_said_in_french():
    assert Filters(("prevention",), ("realise", "en_cours")).describe() == [
        "Thème : Prévention",
        "Projets aux statuts : réalisé, en cours",
    ]


def test_select_projects_combines_criteria(projects):
    kept = select_projects(projects, Filters(("soins_non_programmes",), ("en_cours",)))
    assert list(kept["id"]) == ["B"]
    assert list(select_projects(projects, departments=["83"])["id"]) == ["C"]
    assert list(select_projects(projects, text="PROGRAMMÉS")["id"]) == ["B"]


def test_projects_at_a_commune_and_department_wide(projects):
    assert project_counts(projects, "departement").to_dict() == {"13": 3, "83": 1}
    assert project_counts(projects, "commune").to_dict() == {"13001": 2, "13002": 1, "83001": 1}
    here, wide = projects_in(projects, "commune", "13001", "13")
    assert list(here["id"]) == ["A", "B"] and list(wide["id"]) == ["D"]
    here, wide = projects_in(projects, "departement", "13")
    assert list(here["id"]) == ["A", "B", "D"] and wide.empty


def test_status_counts_list_every_status(projects):
    assert status_counts(projects.iloc[0:0]) == {"realise": 0, "en_cours": 0, "abandonne": 0, "non_renseigne": 0}
    assert status_counts(projects) == {"realise": 1, "en_cours": 2, "abandonne": 0, "non_renseigne": 1}


def test_groups_are_not_propositions(proposals):
    assert list(select_propositions(proposals)["id"]) == ["P1", "P2", "P3", "P4", "P5"]
    assert "G" in set(select_propositions(proposals, levels=("proposition", "groupe"))["id"])


def test_distinct_propositions_do_not_count_a_region_twice(proposals):
    # Region 75 has its own synthesis (P3): its departments' propositions (P1, P2) are not added.
    assert list(distinct_propositions(select_propositions(proposals))["id"]) == ["P3", "P4", "P5"]
    totals = proposition_totals(select_propositions(proposals))
    assert (totals.formulated, totals.distinct, totals.repeated) == (5, 3, 2)
    assert totals.by_region == {"75": 1, "76": 1, "93": 1}
    assert "5 propositions formulées, 3 distinctes" in totals.sentence()


def test_a_regional_proposition_applies_to_the_department_without_being_its_own(proposals):
    props = select_propositions(proposals)
    scope = proposition_scope(props, "departement", "83", "83", "93")
    assert (scope.own, scope.region) == (0, ("93", 1))
    assert scope.lines({"93": "Seine-Saint-Denis"}, {"93": "Provence-Alpes-Côte d'Azur"}, "departement") == [
        "Aucune proposition formulée pour le département lui-même",
        "1 proposition régionale (Provence-Alpes-Côte d'Azur), qui s'appliquent à toute la région",
    ]


def test_a_commune_has_no_proposition_of_its_own(proposals):
    scope = proposition_scope(select_propositions(proposals), "commune", "34172", "34", "76")
    assert scope.own == 0 and scope.department == ("34", 1) and scope.region == ("76", 0)
    assert scope.lines({"34": "Hérault"}, {}, "commune") == [
        "1 proposition départementale (Hérault), qui s'appliquent à tout le département"
    ]


def test_departmental_counts_name_why_a_department_has_none(proposals):
    counts, reasons = departmental_counts(proposals, Filters(("attractivite",)), {"33": "75", "40": "75", "83": "93",
                                                                                  "34": "76", "01": "84"})  # fmt: skip
    assert counts.to_dict() == {"33": 0, "34": 1, "40": 1}
    assert reasons == {"83": "Propositions formulées pour la région seulement", "01": "Aucun document du CNR santé"}


def test_summary_of_france_and_of_a_department(projects, proposals):
    meetings = pd.DataFrame({"region_code": ["75", "93"], "department_code": ["33", "13"]})
    france = summarize(projects, proposals, meetings)
    assert (france.projects, france.by_status["en_cours"], france.department_wide) == (4, 2, 1)
    assert france.propositions.distinct == 3 and france.meetings == 2
    assert france.regions == ("75", "76", "93")
    bdr = summarize(projects, proposals, meetings, Filters(statuses=("en_cours",)), departments=["13"], regions=["93"])
    assert (bdr.projects, bdr.meetings, bdr.propositions.formulated) == (2, 1, 1)
