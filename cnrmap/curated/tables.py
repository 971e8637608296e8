"""Tables shown on the Propositions and Projets pages: French headings, labels, a link to the map."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd

from cnrmap import vocab
from cnrmap.curated.definitions import remark_of

MAP_PAGE = "/carte"


def map_link(territory: str, focus: str | None = None) -> str:
    """Relative URL of the Carte page showing ``territory`` (``departement:13``, ``region:75``)."""
    params = {"territory": territory}
    if focus:
        params["focus"] = focus
    return f"{MAP_PAGE}?{urlencode(params)}"


def projects_table(projects: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    names = departments.set_index("code")["name"]
    return pd.DataFrame(
        {
            "Identifiant": projects["id"],
            "Département": projects["department_code"].map(lambda c: f"{names.get(c, c)} ({c})"),
            "Projet": projects["title"],
            "Thème": projects["theme"].map(vocab.THEME_SHORT),
            "Statut": projects["status"].map(vocab.STATUSES),
            "Date du statut": projects["status_date"],
            "Localisation": projects["location_precision"].map(vocab.LOCATION_PRECISIONS),
            "Résumé": projects["summary"],
            "Source": projects["source"],
            "Source du statut": projects["status_source"],
            "Remarque": [remark_of(row) for row in projects.to_dict("records")],
            "Carte": [
                map_link(f"departement:{dep}", pid)
                for dep, pid in zip(projects["department_code"], projects["id"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def proposals_table(proposals: pd.DataFrame, regions: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    names = pd.concat([regions.set_index("code")["name"], departments.set_index("code")["name"]])
    names = names[~names.index.duplicated()]

    def territory(row: pd.Series) -> str:
        prefix = "region" if row["scope_level"] == "region" else "departement"
        return f"{prefix}:{row['territory_code']}"

    keys = proposals.apply(territory, axis=1) if len(proposals) else pd.Series(dtype="string")
    return pd.DataFrame(
        {
            "Identifiant": proposals["id"],
            "Territoire": [f"{names.get(code, code)} ({code})" for code in proposals["territory_code"]],
            "Échelle": proposals["scope_level"].map(vocab.SCOPE_LEVELS),
            "Thème": proposals["theme"].map(vocab.THEME_SHORT),
            "Proposition": proposals["text"],
            "Axe": proposals["axis"],
            "N°": proposals["number"],
            "Verbatims": proposals["verbatim_count"],
            "Source": proposals["source"],
            "Carte": [map_link(k) for k in keys],
        }
    ).reset_index(drop=True)
