"""Filters and aggregations over the curated CNR datasets: plain functions the pages, the map and tests share."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from cnrmap import vocab


def filter_projects(
    projects: pd.DataFrame,
    themes: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    departments: Iterable[str] | None = None,
    text: str = "",
) -> pd.DataFrame:
    """Projects matching every given criterion (``None`` or empty means "all")."""
    mask = pd.Series(True, index=projects.index)
    if themes:
        mask &= projects["theme"].isin(list(themes))
    if statuses:
        mask &= projects["status"].isin(list(statuses))
    if departments:
        mask &= projects["department_code"].isin(list(departments))
    if text.strip():
        mask &= _contains(projects, ["title", "summary"], text)
    return projects[mask]


def filter_proposals(
    proposals: pd.DataFrame,
    themes: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    territories: Iterable[str] | None = None,
    text: str = "",
    levels: Iterable[str] | None = ("proposition",),
) -> pd.DataFrame:
    """Proposals matching every criterion; by default only ``level == "proposition"`` rows (no group totals)."""
    mask = pd.Series(True, index=proposals.index)
    if themes:
        mask &= proposals["theme"].isin(list(themes))
    if regions:
        mask &= proposals["region_code"].isin(list(regions))
    if territories:
        mask &= proposals["territory_code"].isin(list(territories))
    if levels:
        mask &= proposals["level"].isin(list(levels))
    if text.strip():
        mask &= _contains(proposals, ["text", "axis"], text)
    return proposals[mask]


def filter_meetings(meetings: pd.DataFrame, departments: Iterable[str] | None = None) -> pd.DataFrame:
    if not departments:
        return meetings
    return meetings[meetings["department_code"].isin(list(departments))]


def project_by_id(projects: pd.DataFrame, project_id: str | None) -> dict | None:
    """The project ``project_id`` as a dict, or ``None`` (unknown or no id)."""
    rows = projects[projects["id"] == project_id] if project_id else projects.iloc[0:0]
    return rows.iloc[0].to_dict() if len(rows) else None


def _contains(frame: pd.DataFrame, columns: list[str], text: str) -> pd.Series:
    needle = text.strip()
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        mask |= frame[column].astype("string").str.contains(needle, case=False, regex=False).fillna(False)
    return mask


def proposals_per_territory(proposals: pd.DataFrame, level: str, theme: str | None = None) -> pd.DataFrame:
    """Number of proposals per territory: columns ``code``, ``value``.

    At ``departement`` level only the proposals formulated for that department count; at ``region``
    level a region counts its regional and departmental proposals. Group and subject rows are not
    proposals and are never counted. Territories with no proposal are absent (not zero): the caller
    decides whether absence means zero or "no consultation documented".
    """
    rows = filter_proposals(proposals, themes=[theme] if theme else None)
    if level == "departement":
        rows = rows[rows["scope_level"] == "departement"]
        key = rows["territory_code"]
    elif level == "region":
        key = rows["region_code"]
    else:
        raise ValueError(f"niveau {level!r} inconnu (departement ou region)")
    counts = key.value_counts().rename_axis("code").reset_index(name="value")
    return counts.astype({"code": "string", "value": "float64"}).sort_values("code").reset_index(drop=True)


def proposals_by_theme(proposals: pd.DataFrame) -> pd.DataFrame:
    """Count of proposals per theme, with the French label, every theme present (zero when none)."""
    counts = filter_proposals(proposals)["theme"].value_counts()
    return pd.DataFrame(
        {
            "theme": list(vocab.THEMES),
            "label": [vocab.THEME_SHORT[t] for t in vocab.THEMES],
            "count": [int(counts.get(t, 0)) for t in vocab.THEMES],
        }
    )


def projects_per_department(projects: pd.DataFrame) -> pd.DataFrame:
    counts = projects["department_code"].value_counts().rename_axis("code").reset_index(name="value")
    return counts.astype({"code": "string", "value": "float64"}).sort_values("code").reset_index(drop=True)


def to_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """A point GeoDataFrame (EPSG:4326) of rows that carry ``lat``/``lon``."""
    located = frame.dropna(subset=["lat", "lon"])
    return gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["lon"], located["lat"]), crs="EPSG:4326")


def distinct_proposals(proposals: pd.DataFrame) -> pd.DataFrame:
    """Proposals counted once: a region's own synthesis when it has one, else its departments' ones.

    The Nouvelle-Aquitaine regional synthesis gathers what its department syntheses list (its group
    totals are their sums), so adding both would count the same ideas twice.
    """
    rows = filter_proposals(proposals)
    with_regional = set(rows.loc[rows["scope_level"] == "region", "region_code"])
    keep = (rows["scope_level"] == "region") | ~rows["region_code"].isin(with_regional)
    return rows[keep]


def key_figures(projects: pd.DataFrame, proposals: pd.DataFrame, meetings: pd.DataFrame) -> dict[str, int]:
    """The home page's figures, computed from the data."""
    status = projects["status"].value_counts()
    regions = set(proposals["region_code"]) | set(meetings["region_code"])
    return {
        "projects": len(projects),
        "realise": int(status.get("realise", 0)),
        "en_cours": int(status.get("en_cours", 0)),
        "non_renseigne": int(status.get("non_renseigne", 0)),
        "proposals": len(distinct_proposals(proposals)),
        "meetings": len(meetings),
        "regions": len(regions),
    }
