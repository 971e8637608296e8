"""One request, one pass: state → selection → values → layers → map, and the table of what is drawn.

:func:`build_view` loads what a :class:`~cnrmap.carte.state.MapState` needs and calls :func:`compose_view`,
a pure function over loaded frames (tested without files). The Carte page, ``cnrmap render``, ``export``
and the PNG export all go through :func:`build_view`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from cnrmap import memory
from cnrmap.carte import decor, documents, layers
from cnrmap.carte.crossreading import need_selection
from cnrmap.carte.points import CnrPoints, cnr_points
from cnrmap.carte.selection import Selection, select
from cnrmap.carte.state import HEAVY_FEATURES, MapState
from cnrmap.carte.values import ViewValues, load_values
from cnrmap.config import Settings
from cnrmap.curated.definitions import project_counts
from cnrmap.curated.load import CnrData, load
from cnrmap.curated.schema import COMMUNES
from cnrmap.errors import DataError
from cnrmap.geo import basemap, boundaries, insets, shapes
from cnrmap.geo.basemap import BaseLand
from cnrmap.geo.labels import Label, load_prefectures
from cnrmap.geo.simplify import simplify_for_scale
from cnrmap.indicators import registry
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT, IndicatorData
from cnrmap.leaflet.build import build_map
from cnrmap.leaflet.legend import LegendSpec
from cnrmap.leaflet.raw import copy_sharing_data
from cnrmap.memo import Memo, estimate_bytes

TABLE_COLUMNS = ["code", "name", "value", "class", "class_label", "rank", "region_code", "value_label"]


@dataclass(frozen=True)
class ViewInputs:
    """Already loaded data for :func:`compose_view`.

    ``departments`` is the full department layer (``code``, ``name``, ``region_code``, geometry);
    ``communes`` the communes of the shown departments (``code``, ``name``, ``department_code``, geometry)
    when the level or the overlay needs them; ``communes_scale`` names the scale they are already simplified
    for, if any; ``department_scales`` holds department geometries already simplified for some scales;
    ``prefectures`` (:func:`cnrmap.geo.labels.load_prefectures`) and ``populations`` (commune code →
    population) choose the names written; ``land`` is the offline base (:func:`cnrmap.geo.basemap.base_land`);
    ``commune_names`` names the communes of the CNR rows when commune shapes are not loaded (popups);
    ``arcs_folder`` keeps the arc encodings of the layers drawn between processes.
    """

    departments: gpd.GeoDataFrame
    values: ViewValues
    communes: gpd.GeoDataFrame | None = None
    region_names: Mapping[str, str] = field(default_factory=dict)
    boundaries: tuple[str, ...] = ()
    reports: tuple[Any, ...] = ()
    communes_scale: str | None = None
    department_scales: Mapping[str, gpd.GeoSeries] = field(default_factory=dict)
    prefectures: pd.DataFrame | None = None
    populations: Mapping[str, int] = field(default_factory=dict)
    land: BaseLand | None = None
    commune_names: Mapping[str, str] = field(default_factory=dict)
    arcs_folder: Path | None = None


@dataclass
class ViewResult:
    """What the page shows.

    Attributes
    ----------
    map : folium.Map
        The map (Leaflet served by the app; :func:`cnrmap.leaflet.assets.inline_html` for a standalone file).
    table : pandas.DataFrame
        Territories shown: ``code``, ``name``, ``value``, ``value_label``, ``class``, ``class_label``, ``rank``,
        ``projects`` (projects there under the filters), ``selected`` (cross-reading filter), ``region_code``.
    legends : list of LegendSpec
        The legends drawn (choropleth, overlay, points).
    warnings, notes, boundaries : list of str
        French warnings (missing data), notes (cross-reading, counting rules), boundaries in use.
    unmatched : list
        Join reports (:class:`cnrmap.geo.reconcile.JoinReport`) of values and boundaries.
    state : MapState
        The state drawn (with the indicator and overlay actually drawn).
    selection : Selection
        The departments and CNR rows the view covers.
    breaks : list of float
        Class edges (numeric indicator), else ``[]``.
    indicator, overlay : IndicatorData
        The indicators drawn.
    points : CnrPoints
        The point layers drawn (projects, meetings) and their legend.
    shapes : GeoDataFrame
        The territories' shapes at their real place (``code``, geometry; simplified for display), for the
        GeoJSON export: on the map, overseas departments are drawn in insets.
    labels : list of Label
        The names written on the map (with the zoom from which each shows).
    insets : tuple of str
        Keys of the insets drawn (``971``…``976``, ``idf``).
    """

    map: folium.Map
    table: pd.DataFrame
    legends: list[LegendSpec]
    warnings: list[str]
    notes: list[str]
    boundaries: list[str]
    unmatched: list[Any]
    state: MapState
    selection: Selection
    breaks: list[float]
    indicator: IndicatorData
    overlay: IndicatorData | None = None
    points: CnrPoints | None = None
    shapes: gpd.GeoDataFrame | None = None
    labels: list[Label] = field(default_factory=list)
    insets: tuple[str, ...] = ()

    def fresh_map(self) -> folium.Map:
        """A copy of :attr:`map` to hand to ``st_folium``, which rewrites the ids of the map it is given.

        Given the remembered map itself, a second page showing the same view (a reload, another visitor) got
        a broken script and no map. The copy shares the layers' data (read only) with the original.
        """
        return copy_sharing_data(self.map)


def scale_of(state: MapState, level: str) -> str:
    """Display scale (:data:`cnrmap.geo.simplify.SCALES`) of a level's shapes for the state's territory."""
    if state.scope == "FR":
        return "france"
    if state.scope == "region":
        return "region"
    return "departement" if level == COMMUNE else "region"


def outline_scale(state: MapState) -> str:
    """Scale of the department and region outlines."""
    return "france" if state.scope == "FR" else "region"


def _with_values(shapes_: gpd.GeoDataFrame, data: IndicatorData) -> gpd.GeoDataFrame:
    vals = data.values[["code", "value"]].drop_duplicates("code")
    out = gpd.GeoDataFrame(shapes_.merge(vals, on="code", how="left"), geometry="geometry", crs=shapes_.crs)
    if data.missing_reasons or data.missing_default:
        reasons = out["code"].map(data.missing_reasons)
        out["missing_reason"] = (reasons.fillna(data.missing_default) if data.missing_default else reasons).where(
            out["value"].isna()
        )
    return out


def _territory_shapes(state: MapState, inputs: ViewInputs, dep_rows: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The shapes of the level's territories, simplified for the state's scale."""
    region_of = dict(zip(inputs.departments["code"], inputs.departments["region_code"], strict=True))
    scale = scale_of(state, state.level)
    if state.level == COMMUNE:
        if inputs.communes is None:
            raise DataError("Contours communaux non chargés pour ce territoire.")
        out = inputs.communes[inputs.communes["department_code"].isin(dep_rows["code"])][
            ["code", "name", "department_code", "geometry"]
        ].copy()
        out["region_code"] = out["department_code"].map(region_of)
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=inputs.departments.crs)
        return out if inputs.communes_scale == scale else simplify_for_scale(out, scale)
    out = dep_rows[["code", "name", "region_code", "geometry"]].copy()
    out["department_code"] = out["code"]
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=inputs.departments.crs)
    return shapes.simplified_departments(out, scale, inputs.department_scales)


def _overlay_shapes(state: MapState, inputs: ViewInputs, overlay: IndicatorData, main: gpd.GeoDataFrame):
    if overlay.level == COMMUNE and inputs.communes is not None:
        out = inputs.communes[inputs.communes["department_code"].isin(main["department_code"])]
        out = gpd.GeoDataFrame(
            out[["code", "name", "department_code", "geometry"]], geometry="geometry", crs=inputs.departments.crs
        )
        scale = "departement" if state.scope == "departement" else "region"
        return out if inputs.communes_scale == scale else simplify_for_scale(out, scale)
    return main[["code", "name", "department_code", "geometry"]]


def compose_view(state: MapState, inputs: ViewInputs, selection: Selection) -> ViewResult:
    """Build the map and its table from loaded data (no file access).

    Raises
    ------
    DataError
        If the level needs communes that were not given.
    """
    values = inputs.values
    warnings, notes = list(values.warnings), list(values.notes)
    level, indicator = state.level, values.indicator
    dep_rows = inputs.departments[inputs.departments["code"].isin(selection.departments)]
    real = _with_values(_territory_shapes(state, inputs, dep_rows), indicator)
    shown = decor.shown_insets(state, selection.departments)
    scale = scale_of(state, level)
    # Overseas territories are drawn in their insets; classes, table and panel use the very same rows.
    gdf = decor.drawn_shapes(real, shown, "department_code", scale)

    counts = project_counts(selection.projects, level)
    projects_here = gdf["code"].map(counts).fillna(0).astype(int)
    zoning = None
    if values.zoning is not None and level == COMMUNE:
        zoning = values.zoning.drop_duplicates("code").set_index("code")["value"]
    kept = need_selection(state, gdf.assign(projects=projects_here), level, indicator, zoning, notes, warnings)
    if kept is not None:
        gdf["dimmed"] = ~kept.to_numpy()

    if indicator.kind == "numeric" and state.fixed_breaks and indicator.france_values is None:
        warnings.append("Valeurs de toute la France indisponibles : classes calculées sur le territoire affiché.")
    main, breaks = layers.main_layer(
        gdf, indicator, method=state.method, classes=state.classes, palette=state.palette,
        fixed_breaks=state.fixed_breaks, region_names=inputs.region_names,
    )  # fmt: skip
    missing = int(main.gdf["colour"].isna().sum())
    if missing:
        unit_word = "communes" if level == COMMUNE else "départements"
        grey = (indicator.missing_default or "donnée manquante").lower()
        warnings.append(f"{missing} {unit_word} sans valeur pour « {indicator.label} » (en gris : {grey}).")

    overlay = None
    if values.overlay is not None:
        overlay_shapes = _overlay_shapes(state, inputs, values.overlay, real)
        overlay_shapes = decor.drawn_shapes(overlay_shapes, shown, "department_code", scale)
        overlay = layers.overlay_layer(_with_values(overlay_shapes, values.overlay), values.overlay)
        if overlay is None:
            warnings.append(f"La surcouche « {values.overlay.label} » n'est pas catégorielle : non dessinée.")

    dep_shapes = shapes.simplified_departments(
        dep_rows[["code", "name", "region_code", "geometry"]], outline_scale(state), inputs.department_scales
    )
    dep_shapes = decor.drawn_shapes(dep_shapes, shown, "code", outline_scale(state))
    limits = []
    if "limites" in state.layers:
        limits = layers.limit_layers(dep_shapes, with_departments=level == COMMUNE or overlay is not None)

    dep_names = dict(zip(inputs.departments["code"], inputs.departments["name"], strict=True))
    filters = selection.filters.describe()
    points = cnr_points(
        decor.drawn_points(selection.projects, shown) if "projets" in state.layers else None,
        decor.drawn_points(selection.meetings, shown) if "reunions" in state.layers else None,
        {**inputs.commune_names, **shapes.commune_names(inputs.communes)},
        dep_names,
        as_of=state.as_of_date,
        department_points=decor.department_points(dep_shapes),
        notes=(f"Filtres : {' ; '.join(filters)}",) if filters else (),
    )
    if "projets" in state.layers:
        notes += selection.status_notes
    n_features = len(main.gdf)
    if n_features > HEAVY_FEATURES:
        notes.append(f"Carte lourde ({n_features} territoires) : l'affichage peut être lent.")
    legends = [main.legend] + ([overlay.legend] if overlay is not None else [])
    legends += [points.legend] if points.legend is not None else []
    # All departments as shared arcs: their borders sent once (about half the page of France by department).
    drawn = decor.with_paris(replace(main, compact=level == DEPARTEMENT and n_features > 50), shown, scale)
    frames = insets.frames(shown) if shown else None
    focus, place = decor.place_focus(gdf, state.place)
    names = decor.view_labels(
        state, shown, departments=selection.departments, department_shapes=decor.paris_added(
            dep_shapes, shown, "code", outline_scale(state)),
        territories=gdf, prefectures=inputs.prefectures, populations=inputs.populations, marks=points.marks,
        place=place,
    )  # fmt: skip
    m = build_map(
        drawn, overlay=overlay, outlines=limits, points=points.layers, basemap=state.basemap, land=inputs.land,
        frames=frames, labels=names, highlight=focus, bounds=decor.view_bounds(gdf, state, frames, focus),
        prefer_canvas=n_features > 500, outline_min_zoom=8.0 if state.scope == "FR" and level == COMMUNE else None,
        arcs_folder=inputs.arcs_folder,
    )  # fmt: skip
    table = pd.DataFrame(main.gdf[TABLE_COLUMNS]).copy()
    table.insert(6, "projects", projects_here.to_numpy())
    table["selected"] = kept.to_numpy() if kept is not None else True
    return ViewResult(
        map=m,
        table=table.sort_values("code").reset_index(drop=True),
        legends=legends,
        warnings=warnings,
        notes=notes,
        boundaries=list(inputs.boundaries),
        unmatched=list(inputs.reports) + list(values.reports),
        state=replace(state, indicator=indicator.id, overlay=values.overlay.id if values.overlay else None),
        selection=selection,
        breaks=breaks,
        indicator=indicator,
        overlay=values.overlay,
        points=points,
        shapes=gpd.GeoDataFrame(real[["code", "geometry"]], geometry="geometry", crs=real.crs),
        labels=names,
        insets=tuple(i.key for i in shown),
    )


def _prefectures(settings: Settings) -> pd.DataFrame | None:
    """The chefs-lieux table, or ``None`` when it cannot be read (the map is then drawn without their names)."""
    try:
        return load_prefectures(settings)
    except DataError:
        return None


def _reference_communes(settings: Settings) -> dict[str, str]:
    """Names of the communes the curated datasets name (``data/reference/communes.csv``), empty if unreadable."""
    try:
        table = load(COMMUNES, settings)
    except DataError:
        return {}
    return dict(zip(table["code"], table["name"], strict=True))


def _populations(settings: Settings) -> Mapping[str, int]:
    """Commune populations of the COG (empty when it is not installed: no commune names then)."""
    try:
        cog = boundaries.load_cog(settings)
    except DataError:
        return {}
    known = _POPULATIONS.get(id(cog))
    if known is not None and known[0] is cog:
        return known[1]
    populations = {code: pop for code, (_, _, _, pop) in cog.communes.items() if pop}
    # The entry holds the COG: its id cannot be reused by another object while remembered.
    _POPULATIONS.put(id(cog), (cog, populations))
    return populations


_POPULATIONS: Memo[tuple[Any, dict[str, int]]] = Memo(
    2, "commune populations", budget=memory.POPULATIONS_BUDGET, weigh=lambda entry: estimate_bytes(entry[1])
)  # the COG in the entry is shared: only the dictionary counts


def region_names(settings: Settings) -> dict[str, str]:
    """Region code → name (empty if the reference table cannot be read)."""
    try:
        table = boundaries.region_reference(settings)
    except (DataError, AttributeError):
        return {}
    return dict(zip(table["code"], table["name"], strict=True))


def build_view(
    state: MapState,
    settings: Settings,
    data: CnrData,
    extra_indicators: Mapping[str, IndicatorData] | None = None,
) -> ViewResult:
    """Load what ``state`` needs (boundaries, indicator values) and compose the map.

    Parameters
    ----------
    state : MapState
        What to show.
    settings : Settings
        Paths and caches.
    data : CnrData
        The curated CNR datasets (:func:`cnrmap.curated.load.load_cnr_data`).
    extra_indicators : mapping of id to IndicatorData, optional
        Indicators computed by the caller (an indicator the user imported for the session).

    Raises
    ------
    DataError
        Unknown territory, indicator not available at the level (with what to show instead in the hint),
        commune boundaries not fetched (French message with the command to run).
    """
    dep_layer = shapes.department_layer(settings)
    departments = dep_layer.gdf
    reports: list[Any] = [dep_layer.report] if getattr(dep_layer, "report", None) is not None else []
    boundary_notes = [dep_layer.description]
    selection = select(state, data, departments)
    if state.level == COMMUNE:  # the panel shows a commune the figures of its arrondissement
        selection = replace(selection, arrondissement_of=documents.arrondissements_of(settings, selection.departments))
    catalogue = registry.catalogue(settings, selection.filters, extra_indicators)
    region_of = dict(zip(departments["code"], departments["region_code"], strict=True))
    values = load_values(state, selection, settings, catalogue, data, region_of, extra_indicators)

    communes, communes_scale = None, None
    if state.level == COMMUNE or (values.overlay is not None and values.overlay.level == COMMUNE):
        # Shapes simplified once for this scale (national cache) when available: no simplification per rerun.
        scale = scale_of(state, COMMUNE)
        com_layer, simplified = shapes.communes_for_scale(settings, list(selection.departments), scale)
        communes, communes_scale = com_layer.gdf, (scale if simplified else None)
        boundary_notes.append(com_layer.description)
        if getattr(com_layer, "report", None) is not None:
            reports.append(com_layer.report)

    wanted: Sequence[str] = [scale_of(state, DEPARTEMENT)] if state.level == DEPARTEMENT else []
    if "limites" in state.layers:
        wanted = [*wanted, outline_scale(state)]
    shown = decor.shown_insets(state, selection.departments)
    inputs = ViewInputs(
        commune_names=_reference_communes(settings),
        prefectures=_prefectures(settings),
        populations=_populations(settings) if state.level == COMMUNE else {},
        land=basemap.base_land(settings, shown) if state.basemap == "clair" else None,
        departments=departments,
        values=values,
        communes=communes,
        communes_scale=communes_scale,
        department_scales=shapes.department_scales(settings, wanted),
        region_names=region_names(settings),
        boundaries=tuple(boundary_notes),
        reports=tuple(reports),
        arcs_folder=settings.boundary_cache / "arcs",
    )
    result = compose_view(state, inputs, selection)
    documents.add_marks(result, values.marks, settings, communes, scale_of(state, COMMUNE))
    return result
