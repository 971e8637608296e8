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
from cnrmap.curated.definitions import remark_of
from cnrmap.export.csv import Variant, to_csv_bytes
from cnrmap.leaflet.raw import walk

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
    "status_source": "source_statut",
    "as_of": "etat_au",
    "location_precision": "precision_localisation",
    "lat": "latitude",
    "lon": "longitude",
    "summary": "resume",
    "source": "source",
    "remark": "remarque",
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
        (``oui``/``non``: kept by the cross-reading filter), then ``indicateur``, ``unite``, ``millesime``,
        ``annee`` (the year shown, or the period of an evolution « 2015-2023 »; empty for a one-vintage indicator),
        and for each kind of figure shown beside the values (``table_departementale``, ``document``) its value,
        ``…_source`` and ``ecart_…`` (map value minus it).
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
    out["annee"] = view.indicator.year
    return _with_alongside(out.reset_index(drop=True), view.indicator.alongside)


def _with_alongside(out: pd.DataFrame, alongside: Mapping[str, Any]) -> pd.DataFrame:
    """One group of columns per kind of figure shown beside the values (``table_departementale``, ``document``):
    its value, what it is, and the difference (map value minus it)."""
    keys = list(dict.fromkeys(side.key for sides in alongside.values() for side in sides))
    for key in keys:
        first = {code: next((s for s in sides if s.key == key), None) for code, sides in alongside.items()}
        first = {code: side for code, side in first.items() if side is not None}
        out[key] = out["code"].map({c: s.value for c, s in first.items()}).astype(float)
        out[f"{key}_source"] = out["code"].map({c: s.label for c, s in first.items()}).fillna("")
        out[f"ecart_{key}"] = out["code"].map({c: s.difference for c, s in first.items()}).astype(float)
    return out


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
    for child in walk(view.map):
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


def _labelled(frame: pd.DataFrame, vocabularies: dict[str, tuple[str, dict[str, str]]]) -> pd.DataFrame:
    """``frame`` with French labels: ``{new column: (code column, vocabulary)}`` (unknown codes kept as they are)."""
    out = frame.copy()
    for target, (column, labels) in vocabularies.items():
        out[target] = out[column].map(lambda code, labels=labels: labels.get(code, code))
    return out


def projects_frame(view: Any) -> pd.DataFrame:
    """The projects the view keeps (its selection), with French labels and column names (``id``, ``titre`` …)."""
    kept = _labelled(
        view.selection.projects,
        {
            "theme_label": ("theme", vocab.THEME_SHORT),
            "status_label": ("status", vocab.STATUSES),
            "location_precision": ("location_precision", vocab.LOCATION_PRECISIONS),
        },
    )
    kept["remark"] = [remark_of(row) for row in kept.to_dict("records")]
    kept["as_of"] = view.state.as_of_date.isoformat()
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


def proposals_frame(view: Any) -> pd.DataFrame:
    """The propositions of the view's selection (its departments and regions, its themes), in French."""
    kept = _labelled(
        view.selection.propositions,
        {"theme_label": ("theme", vocab.THEME_SHORT), "scope_level": ("scope_level", vocab.SCOPE_LEVELS)},
    )
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
