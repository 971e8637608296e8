"""What a France map adds around its data: insets, place names, the searched place, and where to look.

Pure functions used by :func:`cnrmap.carte.compose.compose_view`: they take the shapes and rows the view
already holds, move what an inset shows (:mod:`cnrmap.geo.insets`) and choose the names to write
(:mod:`cnrmap.geo.labels`). Territories keep their real code and name wherever they are drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import geopandas as gpd
import pandas as pd

from cnrmap import memory
from cnrmap.carte.state import MapState
from cnrmap.geo import insets, labels, topology
from cnrmap.geo.labels import Label
from cnrmap.geo.simplify import SCALES
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT
from cnrmap.leaflet.choropleth import ChoroplethLayer, OutlineLayer
from cnrmap.memo import Memo

# Commune names written on a department's or a region's commune map (the most populous first).
COMMUNE_LABELS = {"departement": 30, "region": 120}
PLACE_COLOUR = "#000000"


def shown_insets(state: MapState, departments: Iterable[str]) -> tuple[insets.Inset, ...]:
    """Insets of the view: on France maps, the overseas departments shown, and Paris on department maps."""
    if state.scope != "FR":
        return ()
    return insets.shown_insets(departments, paris=state.level == DEPARTEMENT)


def decimals_for(scale: str) -> int:
    """Coordinate decimals of a display scale (moved shapes are rounded like the others)."""
    return SCALES[scale][1]


def drawn_shapes(gdf: gpd.GeoDataFrame, shown: Sequence[insets.Inset], column: str, scale: str) -> gpd.GeoDataFrame:
    """``gdf`` with its overseas rows moved into their insets (unchanged without insets)."""
    return insets.relocate(gdf, column, decimals_for(scale)) if shown else gdf


def paris_added(gdf: gpd.GeoDataFrame, shown: Sequence[insets.Inset], column: str, scale: str) -> gpd.GeoDataFrame:
    """``gdf`` plus enlarged copies of its rows of Paris and the inner suburbs when that inset is shown."""
    if insets.PARIS not in shown:
        return gdf
    copies = insets.paris_copies(gdf, column, decimals_for(scale))
    if copies.empty:
        return gdf
    return gpd.GeoDataFrame(pd.concat([gdf, copies], ignore_index=True), geometry="geometry", crs=gdf.crs)


def with_paris(layer: ChoroplethLayer, shown: Sequence[insets.Inset], scale: str) -> ChoroplethLayer:
    """The layer to draw: ``layer`` plus enlarged copies of Paris and its inner suburbs when that inset is shown.

    The copies keep their code, colour and tooltip; the view's table is built from ``layer`` (no duplicates).
    """
    gdf = paris_added(layer.gdf, shown, "department_code", scale)
    if gdf is layer.gdf:
        return layer
    key = None if layer.content_key is None else (layer.content_key, "paris inset")
    return replace(layer, gdf=gdf, content_key=key)


def drawn_points(frame: pd.DataFrame | None, shown: Sequence[insets.Inset]) -> pd.DataFrame | None:
    """Projects or meetings where they are drawn: overseas ones in their insets, Paris' ones also in its inset."""
    if frame is None or not shown or frame.empty:
        return frame
    out = insets.relocate_points(frame)
    if insets.PARIS in shown:
        out = pd.concat([out, insets.paris_points(frame)], ignore_index=True)
    return out


# Department symbol points by shapes and codes: a filter change keeps the departments (101 poles of inaccessibility,
# 20 ms, otherwise computed again at each rerun).
_DEPARTMENT_POINTS: Memo[dict[str, tuple[float, float]]] = Memo(
    16, "department points", budget=memory.DEPARTMENT_POINTS_BUDGET
)


def department_points(departments: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """A point well inside each drawn department (``code`` → ``(lon, lat)``), for its project symbol.

    Remembered by content: callers must not modify the mapping.
    """
    geoms, codes = departments.geometry.to_numpy(), [str(c) for c in departments["code"]]

    def compute() -> dict[str, tuple[float, float]]:
        return {
            code: labels.label_point(geom)
            for code, geom in zip(codes, geoms, strict=True)
            if geom is not None and not geom.is_empty
        }

    return _DEPARTMENT_POINTS.get_or_compute(topology.fingerprint(geoms, codes), compute)


def view_labels(
    state: MapState,
    shown: Sequence[insets.Inset],
    *,
    departments: Sequence[str],
    department_shapes: gpd.GeoDataFrame,
    territories: gpd.GeoDataFrame,
    prefectures: pd.DataFrame | None,
    populations: Mapping[str, int],
    marks: Iterable[tuple[float, float, int]] = (),
    place: Label | None = None,
) -> list[Label]:
    """The names written on the map, each with the zoom from which it shows without overlapping another.

    Parameters
    ----------
    state : MapState
        Its ``layers`` say whether names (``noms``) and department codes (``codes``) are written.
    shown : sequence of Inset
        The view's insets (their names are always written, and overseas names move into them).
    departments : sequence of str
        Department codes of the view.
    department_shapes : GeoDataFrame
        Drawn departments (``code``, geometry, insets applied), for the codes.
    territories : GeoDataFrame
        Drawn territories of the level (``code``, ``name``, ``department_code``, geometry), for commune names.
    prefectures : DataFrame, optional
        :func:`cnrmap.geo.labels.load_prefectures`.
    populations : mapping
        Commune code → population (the most populous communes are named first).
    marks : iterable of (lon, lat, size)
        Point symbols that names must not cover.
    place : Label, optional
        The searched place (written above everything).
    """
    candidates: list[Label] = list(labels.inset_labels(shown))
    if "noms" in state.layers:
        if state.level == COMMUNE and state.scope != "FR":
            limit = COMMUNE_LABELS["departement" if state.scope == "departement" else "region"]
            candidates += labels.commune_labels(territories, populations, limit)
        elif prefectures is not None:
            found = labels.prefecture_labels(prefectures, departments)
            candidates += labels.relocated(found, insets.PARIS in shown) if shown else found
    if "codes" in state.layers:
        candidates += labels.code_labels(department_shapes)
    candidates += [labels.obstacle(lon, lat, size) for lon, lat, size in marks]
    if place is not None:
        # The searched place is named once, in its own style.
        candidates = [c for c in candidates if c.text != place.text or c.kind not in ("commune", "prefecture")]
        candidates.append(place)
    return [label for label in labels.place_labels(candidates) if label.kind != "obstacle"]


def place_focus(territories: gpd.GeoDataFrame, code: str | None) -> tuple[OutlineLayer | None, Label | None]:
    """The searched place's outline and name, when it is among the drawn territories."""
    if not code:
        return None, None
    rows = territories[territories["code"] == code]
    if rows.empty:
        return None, None
    row = rows.iloc[0]
    outline = OutlineLayer("Lieu recherché", rows[["code", "geometry"]], colour=PLACE_COLOUR, weight=3.0)
    lon, lat = labels.label_point(row.geometry)
    return outline, Label(str(row["name"]), lon, lat, 1e13, "place", size=13)


def view_bounds(
    drawn: gpd.GeoDataFrame, state: MapState, frames: gpd.GeoDataFrame | None, focus: OutlineLayer | None
) -> tuple[float, ...] | None:
    """Where the map looks first: the searched place (with its surroundings), else the territory and its insets."""
    if focus is not None:
        minx, miny, maxx, maxy = focus.gdf.total_bounds
        pad_x, pad_y = max((maxx - minx) * 1.5, 0.08), max((maxy - miny) * 1.5, 0.06)
        return (minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)
    if drawn.empty:
        return None
    if state.scope == "FR":
        metro = drawn[~drawn["code"].astype(str).str.startswith("97")]
        parts = [metro.total_bounds] if not metro.empty else [drawn.total_bounds]
        if frames is not None and not frames.empty:
            parts.append(frames.total_bounds)
        return (
            min(p[0] for p in parts),
            min(p[1] for p in parts),
            max(p[2] for p in parts),
            max(p[3] for p in parts),
        )
    return tuple(drawn.total_bounds)
