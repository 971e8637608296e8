"""Filters and aggregations on small frames made in the test."""

from __future__ import annotations

import pandas as pd
import pytest

from cnrmap.curated.definitions import (
    distinct_proposals,
    filter_projects,
    filter_proposals,
    key_figures,
    proposals_by_theme,
    proposals_per_territory,
    to_points,
)


@pytest.fixture()
def projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "department_code": ["13", "13", "83"],
            "title": ["Médiation en santé", "Centre de soins", "Transports"],
            "summary": ["", "non programmés", ""],
            "theme": ["prevention", "soins_non_programmes", "soins_non_programmes"],
            "status": ["realise", "en_cours", "non_renseigne"],
            "lat": [43.3, 43.5, None],
            "lon": [5.4, 5.4, None],
        }
    )


@pytest.fixture()
def proposals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["G", "P1", "P2", "P3", "P4"],
            "region_code": ["75", "75", "75", "75", "93"],
            "scope_level": ["departement", "departement", "departement", "region", "region"],
            "territory_code": ["33", "33", "40", "75", "93"],
            "theme": ["prevention", "prevention", "attractivite", "prevention", "prevention"],
            "axis": ["", "", "", "", "Dépistage"],
            "level": ["groupe", "proposition", "proposition", "proposition", "proposition"],
            "text": ["Groupe", "Prévenir", "Attirer", "Prévenir aussi", "Dépister"],
        }
    )


def test_filter_projects_combines_criteria(projects):
    assert list(filter_projects(projects)["id"]) == ["A", "B", "C"]
    assert list(filter_projects(projects, themes=["soins_non_programmes"])["id"]) == ["B", "C"]
    assert list(filter_projects(projects, themes=["soins_non_programmes"], statuses=["en_cours"])["id"]) == ["B"]
    assert list(filter_projects(projects, departments=["83"])["id"]) == ["C"]
    assert list(filter_projects(projects, text="PROGRAMMÉS")["id"]) == ["B"]
    assert filter_projects(projects, statuses=["realise"], departments=["83"]).empty


def test_filter_proposals_excludes_groups_by_default(proposals):
    assert list(filter_proposals(proposals)["id"]) == ["P1", "P2", "P3", "P4"]
    assert list(filter_proposals(proposals, levels=None)["id"]) == ["G", "P1", "P2", "P3", "P4"]
    assert list(filter_proposals(proposals, text="dépist")["id"]) == ["P4"]


def test_proposals_per_department_counts_departmental_propositions_only(proposals):
    result = proposals_per_territory(proposals, "departement")
    assert result.to_dict("list") == {"code": ["33", "40"], "value": [1.0, 1.0]}


def test_proposals_per_region_counts_regional_and_departmental(proposals):
    result = proposals_per_territory(proposals, "region", theme="prevention")
    assert result.to_dict("list") == {"code": ["75", "93"], "value": [2.0, 1.0]}


def test_territory_without_proposal_is_absent_not_zero(proposals):
    result = proposals_per_territory(proposals, "departement", theme="attractivite")
    assert "33" not in set(result["code"])


def test_unknown_level_is_rejected(proposals):
    with pytest.raises(ValueError, match="'commune'"):
        proposals_per_territory(proposals, "commune")


def test_proposals_by_theme_lists_every_theme(proposals):
    table = proposals_by_theme(proposals)
    assert table.set_index("theme")["count"].to_dict() == {
        "acces_medecin": 0,
        "soins_non_programmes": 0,
        "attractivite": 1,
        "prevention": 3,
    }


def test_points_skip_rows_without_coordinates(projects):
    points = to_points(projects)
    assert list(points["id"]) == ["A", "B"]
    assert points.crs == "EPSG:4326"
    assert points.geometry.iloc[0].x == pytest.approx(5.4)


def test_distinct_proposals_do_not_count_a_region_twice(proposals):
    # Region 75 has its own synthesis (P3): its departments' proposals (P1, P2) are not added.
    assert list(distinct_proposals(proposals)["id"]) == ["P3", "P4"]


def test_key_figures(projects, proposals):
    meetings = pd.DataFrame({"region_code": ["75", "93"]})
    figures = key_figures(projects, proposals, meetings)
    assert figures == {
        "projects": 3,
        "realise": 1,
        "en_cours": 1,
        "non_renseigne": 1,
        "proposals": 2,
        "meetings": 2,
        "regions": 2,
    }
