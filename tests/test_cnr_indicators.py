"""Proposals and projects per department: covered departments count (zero included), others are missing."""

from __future__ import annotations

import pandas as pd

from cnrmap.curated.definitions import Filters
from cnrmap.indicators.cnr import imported_indicator, projects_indicator, proposals_indicator


def test_proposals_count_zero_only_where_a_document_covers_the_department():
    proposals = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "region_code": ["75", "75", "93"],
            "scope_level": ["departement", "departement", "region"],
            "territory_code": ["33", "40", "93"],
            "theme": ["prevention", "attractivite", "prevention"],
            "axis": ["", "", ""],
            "level": ["proposition"] * 3,
            "text": ["a", "b", "c"],
        }
    )
    region_of = {"33": "75", "40": "75", "13": "93", "01": "84"}
    data = proposals_indicator(proposals, region_of, Filters(themes=("prevention",)))
    assert data.values.set_index("code")["value"].to_dict() == {"33": 1.0, "40": 0.0}
    assert data.label.endswith("Prévention")
    assert data.integer
    assert data.missing_reasons == {
        "13": "Propositions formulées pour la région seulement",
        "01": "Aucun document du CNR santé",
    }


def test_projects_follow_the_status_filter():
    projects = pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "department_code": ["13", "13", "83"],
            "title": ["", "", ""],
            "summary": ["", "", ""],
            "theme": ["prevention"] * 3,
            "status": ["realise", "en_cours", "en_cours"],
        }
    )
    data = projects_indicator(projects, {"13": "93", "83": "93", "04": "93"}, Filters(statuses=("realise",)))
    assert data.values.set_index("code")["value"].to_dict() == {"13": 1.0, "83": 0.0}
    assert data.missing_reasons == {"04": "Aucun projet recensé dans les documents"}
    everything = projects_indicator(projects, {"13": "93", "83": "93"}, Filters(statuses=()))
    assert everything.values["value"].sum() == 3


def test_imported_indicator_gets_a_safe_id():
    values = pd.DataFrame({"code": ["13001"], "value": [2.5]})
    data = imported_indicator(values, "commune", "MSP / 10 000 hab. <b>", "MSP", "msp.csv")
    assert data.id == "import_msp___10_000_hab___b"
    assert data.level == "commune" and data.source == "Fichier importé : msp.csv"


def test_fingerprint_changes_with_the_values():
    from cnrmap.indicators.cnr import fingerprint

    one = imported_indicator(pd.DataFrame({"code": ["13"], "value": [1.0]}), "departement", "X", "", "a.csv")
    two = imported_indicator(pd.DataFrame({"code": ["13"], "value": [2.0]}), "departement", "X", "", "a.csv")
    assert fingerprint({one.id: one}) != fingerprint({two.id: two})
    assert fingerprint({}) == ""
