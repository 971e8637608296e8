"""Data behind a view, for spreadsheets and GIS: the territories shown, and the projects and proposals kept.

Pure functions over a :class:`cnrmap.carte.compose.ViewResult` (no file access). Column names
are French (the files go to ARS/CPTS staff); codes stay text (``"01"``, ``"2A"``) so that a spreadsheet
does not drop their leading zero on reading back with ``dtype=str``.

CSV goes through :func:`cnrmap.export.csv.to_csv_bytes` (UTF-8 with BOM, formula-safe): variant
``"utf8-bom"`` (``,`` and decimal point) or ``"semicolon"`` (``;`` and decimal comma, French spreadsheets).
GeoJSON is RFC 7946 (WGS 84 longitude/latitude).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from cnrmap import vocab
from cnrmap.export.csv import Variant, to_csv_bytes
from cnrmap.geo.codes import department_of_commune

FORMATS: dict[str, str] = {
    "csv": "CSV (séparateur virgule, point décimal, UTF-8 avec BOM)",
    "csv-fr": "CSV pour tableur français (séparateur point-virgule, virgule décimale, UTF-8 avec BOM)",
    "geojson": "GeoJSON (contours des territoires avec leurs valeurs)",
}
CSV_VARIANTS: dict[str, Variant] = {"csv": "utf8-bom", "csv-fr": "semicolon"}
YES, NO = "oui", "non"

# ViewResult.table column → exported column.
TERRITORY_COLUMNS: dict[str, str] = {
    "code": "code",
    "name": "nom",
    "region_code": "code_region",
    "value": "valeur",
    "value_label": "valeur_affichee",
    "class_number": "numero_classe",
    "class_label": "classe",
    "rank": "rang",
    "projects": "projets",
    "selected": "retenu",
}
PROJECT_COLUMNS: dict[str, str] = {
    "id": "id",
    "department_code": "departement",
    "commune_codes": "communes",
    "title": "titre",
    "theme_label": "theme",
    "status_label": "statut",
    "status_date": "date_statut",
    "location_precision": "precision_localisation",
    "lat": "latitude",
    "lon": "longitude",
    "summary": "resume",
    "source": "source",
}
PROPOSAL_COLUMNS: dict[str, str] = {
    "id": "id",
    "scope_level": "echelle",
    "territory_code": "territoire",
    "region_code": "code_region",
    "theme_label": "theme",
    "axis": "axe",
    "number": "numero",
    "text": "texte",
    "source": "source",
}


def territories_frame(view: Any) -> pd.DataFrame:
    """The territories shown with their value and class, one row per territory, French column names.

    Parameters
    ----------
    view : ViewResult
        The view (its ``table`` and ``indicator``).

    Returns
    -------
    DataFrame
        ``code``, ``nom``, ``code_region``, ``valeur`` (float, NaN when missing), ``valeur_affichee``,
        ``numero_classe`` (1 = lowest class, empty when missing or categorical), ``classe`` (class label or
        category), ``rang`` (1 = highest value), ``projets`` (projects located there), ``retenu``
        (``oui``/``non``: kept by the cross-reading filter), then ``indicateur``, ``unite``, ``millesime``.
    """
    table = view.table.copy()
    if view.indicator.kind == "numeric":
        table["class_number"] = pd.array(table["class"], dtype="Int64") + 1
    else:
        table["class_number"] = pd.array([pd.NA] * len(table), dtype="Int64")
        table["value"] = table["value"].astype("string")
    table["selected"] = [YES if bool(s) else NO for s in table["selected"]]
    table["rank"] = pd.array(table["rank"], dtype="Int64")
    out = table[list(TERRITORY_COLUMNS)].rename(columns=TERRITORY_COLUMNS)
    out["indicateur"] = view.indicator.label
    out["unite"] = view.indicator.unit
    out["millesime"] = view.indicator.vintage
    return out.reset_index(drop=True)


def territories_csv(view: Any, variant: Variant = "utf8-bom") -> bytes:
    """:func:`territories_frame` as CSV bytes (:func:`cnrmap.export.csv.to_csv_bytes`)."""
    return to_csv_bytes(territories_frame(view), variant)


def read_territories_csv(data: bytes, variant: Variant = "utf8-bom") -> pd.DataFrame:
    """Read back :func:`territories_csv` (codes as text, numbers as numbers): for checks and tests."""
    import io

    sep, decimal = (";", ",") if variant == "semicolon" else (",", ".")
    text_columns = {c: "string" for c in ("code", "nom", "code_region", "valeur_affichee", "classe", "retenu")}
    return pd.read_csv(
        io.BytesIO(data), sep=sep, decimal=decimal, encoding="utf-8-sig", dtype=text_columns, keep_default_na=True
    )


def view_shapes(view: Any) -> gpd.GeoDataFrame:
    """The territory shapes of the view's map at their real place (simplified for display): ``code``, ``geometry``.

    The view's :attr:`~cnrmap.carte.compose.ViewResult.shapes` (overseas departments where they are, not in
    the map's insets); for a view without them, the map's choropleth layer.
    """
    shapes = getattr(view, "shapes", None)
    if shapes is not None:
        return gpd.GeoDataFrame(shapes[["code", "geometry"]], geometry="geometry", crs=shapes.crs).to_crs("EPSG:4326")
    codes = set(view.table["code"])
    for child in _walk(view.map):
        data = getattr(child, "data", None)
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            continue
        features = data.get("features") or []
        found = [f for f in features if (f.get("properties") or {}).get("code") in codes]
        if found:
            return gpd.GeoDataFrame(
                {"code": [f["properties"]["code"] for f in found]},
                geometry=[shapely.geometry.shape(f["geometry"]) for f in found],
                crs="EPSG:4326",
            )
    return gpd.GeoDataFrame({"code": pd.Series(dtype="string")}, geometry=[], crs="EPSG:4326")


def _walk(element: Any):
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            return None
    return value


def territories_geojson(view: Any, shapes: gpd.GeoDataFrame | None = None) -> bytes:
    """The territories shown as a GeoJSON FeatureCollection with :func:`territories_frame`'s properties.

    Parameters
    ----------
    view : ViewResult
        The view.
    shapes : GeoDataFrame, optional
        ``code`` and ``geometry`` to use instead of the map's simplified shapes (e.g. the full boundaries
        from :mod:`cnrmap.geo.boundaries`); reprojected to WGS 84.

    Returns
    -------
    bytes
        UTF-8 JSON; territories without a shape are left out (none, for the map's own shapes).
    """
    frame = territories_frame(view)
    geo = view_shapes(view) if shapes is None else shapes.to_crs("EPSG:4326")[["code", "geometry"]]
    geometry = dict(zip(geo["code"], geo.geometry, strict=True))
    features = []
    for record in frame.to_dict("records"):
        geom = geometry.get(record["code"])
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {k: _json_value(v) for k, v in record.items()},
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shown_departments(view: Any) -> list[str]:
    """Codes of the departments the view covers (from its table)."""
    codes = view.table["code"].astype(str)
    if view.state.level == "commune":
        codes = codes.map(department_of_commune)
    return sorted(set(codes))


def view_projects(view: Any) -> pd.DataFrame:
    """The projects the view keeps (its selection: territory, theme and status filters), those drawn on the map."""
    return view.selection.projects


def projects_frame(view: Any) -> pd.DataFrame:
    """:func:`view_projects` with French labels and column names (``id``, ``departement``, ``titre`` …)."""
    kept = view_projects(view).copy()
    kept["theme_label"] = kept["theme"].map(lambda t: vocab.THEME_SHORT.get(t, t))
    kept["status_label"] = kept["status"].map(lambda s: vocab.STATUSES.get(s, s))
    kept["location_precision"] = kept["location_precision"].map(lambda p: vocab.LOCATION_PRECISIONS.get(p, p))
    columns = [c for c in PROJECT_COLUMNS if c in kept.columns]
    return kept[columns].rename(columns=PROJECT_COLUMNS).sort_values("id").reset_index(drop=True)


def projects_csv(view: Any, variant: Variant = "utf8-bom") -> bytes:
    """:func:`projects_frame` as CSV bytes."""
    return to_csv_bytes(projects_frame(view), variant)


def projects_geojson(view: Any) -> bytes:
    """The projects of :func:`projects_frame` that have coordinates, as GeoJSON points."""
    frame = projects_frame(view).dropna(subset=["latitude", "longitude"])
    features = [
        {
            "type": "Feature",
            "properties": {k: _json_value(v) for k, v in rec.items() if k not in ("latitude", "longitude")},
            "geometry": {"type": "Point", "coordinates": [float(rec["longitude"]), float(rec["latitude"])]},
        }
        for rec in frame.to_dict("records")
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def view_proposals(view: Any) -> pd.DataFrame:
    """The propositions of the view's selection: formulated for its departments or regions, of its themes."""
    return view.selection.propositions


def proposals_frame(view: Any) -> pd.DataFrame:
    """:func:`view_proposals` with French labels and column names."""
    kept = view_proposals(view).copy()
    kept["theme_label"] = kept["theme"].map(lambda t: vocab.THEME_SHORT.get(t, t))
    kept["scope_level"] = kept["scope_level"].map(lambda s: vocab.SCOPE_LEVELS.get(s, s))
    columns = [c for c in PROPOSAL_COLUMNS if c in kept.columns]
    return kept[columns].rename(columns=PROPOSAL_COLUMNS).reset_index(drop=True)


def proposals_csv(view: Any, variant: Variant = "utf8-bom") -> bytes:
    """:func:`proposals_frame` as CSV bytes."""
    return to_csv_bytes(proposals_frame(view), variant)


def data_files(view: Any, fmt: str = "csv") -> dict[str, bytes]:
    """Every data file of a view in one format, by file suffix.

    Parameters
    ----------
    view : ViewResult
        The view (its table, and its selection of projects and propositions).
    fmt : str
        A key of :data:`FORMATS`.

    Returns
    -------
    dict of str to bytes
        ``{"territoires": …, "projets": …, "propositions": …}`` (CSV) or ``{"territoires": …, "projets": …}``
        (GeoJSON: propositions have no geometry).

    Raises
    ------
    ValueError
        If ``fmt`` is unknown (quoted).
    """
    if fmt == "geojson":
        return {"territoires": territories_geojson(view), "projets": projects_geojson(view)}
    if fmt not in CSV_VARIANTS:
        raise ValueError(f"format inconnu {fmt!r} (attendu : {', '.join(FORMATS)})")
    variant = CSV_VARIANTS[fmt]
    return {
        "territoires": territories_csv(view, variant),
        "projets": projects_csv(view, variant),
        "propositions": proposals_csv(view, variant),
    }
