"""Tables shown on the Propositions and Projets pages: French headings, labels, a link to the map."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pandas as pd

from cnrmap import vocab
from cnrmap.curated.definitions import remark_of

MAP_PAGE = "/carte"
UNDATED = "avant tout statut daté"


def map_link(territory: str, focus: str | None = None, as_of: dt.date | None = None) -> str:
    """Relative URL of the Carte page showing ``territory`` (``departement:13``, ``region:75``), at ``as_of``
    (the map's default, today, when not given or today)."""
    params = {"territory": territory}
    if focus:
        params["focus"] = focus
    if as_of is not None and as_of != dt.date.today():
        params["as_of"] = as_of.isoformat()
    return f"{MAP_PAGE}?{urlencode(params)}"


def projects_table(projects: pd.DataFrame, departments: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """Projects with French headings; their status is the one ``projects`` carry (read at ``as_of`` by
    :func:`cnrmap.curated.definitions.statuses_as_of`, whose date the map link keeps)."""
    names = departments.set_index("code")["name"]
    dates = projects["status_date_label"] if "status_date_label" in projects.columns else projects["status_date"]
    origins = projects["origin"] if "origin" in projects.columns else pd.Series("", index=projects.index)
    return pd.DataFrame(
        {
            "Identifiant": projects["id"],
            "Département": projects["department_code"].map(lambda c: f"{names.get(c, c)} ({c})"),
            "Projet": projects["title"],
            "Thème": projects["theme"].map(vocab.THEME_SHORT),
            "Statut": projects["status"].map(vocab.STATUSES),
            "Date du statut": dates,
            "Localisation": projects["location_precision"].map(vocab.LOCATION_PRECISIONS),
            "Résumé": projects["summary"],
            "Source": projects["source"],
            "Source du statut": projects["status_source"],
            "Remarque": [remark_of(row) for row in projects.to_dict("records")],
            "Origine": origins,
            "Carte": [
                map_link(f"departement:{dep}", pid, as_of)
                for dep, pid in zip(projects["department_code"], projects["id"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def history_table(entries: pd.DataFrame) -> pd.DataFrame:
    """A project's status entries (oldest first, :func:`cnrmap.curated.history.project_history`), in French."""
    from cnrmap.sources.provenance import cite  # imports the Sources page's machinery: only when a history shows

    return pd.DataFrame(
        {
            "Depuis le": [label or UNDATED for label in entries["date_label"].fillna("")],
            "Statut": entries["status"].map(lambda s: vocab.STATUSES.get(s, s)),
            "Source": entries["source"].fillna("").map(cite),
            "Commentaire": entries["comment"],
            "Enregistré par": entries["recorded_by"],
            "Enregistré le": entries["recorded_at"].fillna("").str.slice(0, 16).str.replace("T", " "),
            "Origine": entries["origin"],
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
