"""Polygons simplified for display at a scale: shared borders stay shared, coordinates rounded."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from cnrmap import memory
from cnrmap.geo import topology
from cnrmap.memo import Memo

# Built once: parsing "EPSG:4326" into a pyproj CRS costs a few milliseconds per call.
WGS84 = CRS.from_epsg(4326)


WEB_MERCATOR = CRS.from_epsg(3857)


# By scale: simplification tolerance (Web Mercator metres, about one screen pixel at that scale), coordinate
# decimals, and the area (Web Mercator m²) under which islands are dropped (a feature keeps its largest part).
SCALES: dict[str, tuple[float, int, float]] = {
    "france": (2000.0, 3, 3e6),
    "region": (400.0, 4, 3e5),
    "departement": (60.0, 5, 0.0),
}


def simplify_for_scale(gdf: gpd.GeoDataFrame, scale: str) -> gpd.GeoDataFrame:
    """Simplify polygons for display and round their coordinates.

    Shared borders stay shared (``shapely.coverage_simplify`` on Web Mercator); if the polygons are not a
    clean coverage, each one is simplified with ``preserve_topology``. Results are remembered (by a digest
    of the geometries) so that a rerun with the same shapes costs a lookup.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons in any CRS (EPSG:4326 expected).
    scale : str
        ``france``, ``region`` or ``departement`` (see :data:`SCALES`).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326.
    """
    if scale not in SCALES:
        raise ValueError(f"échelle inconnue : {scale!r} (attendu : {', '.join(SCALES)})")
    if gdf.empty:
        return gdf.to_crs(WGS84) if gdf.crs else gdf
    out = gdf.to_crs(WGS84) if gdf.crs else gdf.set_crs(WGS84)
    geoms = out.geometry.to_numpy()
    key = topology.fingerprint(geoms, scale)
    simplified = _SIMPLIFIED.get_or_compute(key, lambda: simplify_geometries(geoms, scale))
    return out.set_geometry(gpd.GeoSeries(simplified, index=out.index, crs=WGS84))


# simplify_for_scale by digest of the input geometries and scale.
_SIMPLIFIED: Memo[np.ndarray] = Memo(12, "simplified shapes", budget=memory.SIMPLIFIED_BUDGET)


def simplify_geometries(geoms: np.ndarray, scale: str) -> np.ndarray:
    """Simplify EPSG:4326 polygons of a coverage for ``scale`` (see :func:`simplify_for_scale`), not memoised.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons in EPSG:4326, ideally a coverage (neighbours share their borders exactly).
    scale : str
        A key of :data:`SCALES`.

    Returns
    -------
    numpy.ndarray
        Simplified polygons in EPSG:4326, coordinates rounded to the scale's decimals (shared vertices stay
        shared: both sides round to the same value).
    """
    if scale not in SCALES:
        raise ValueError(f"échelle inconnue : {scale!r} (attendu : {', '.join(SCALES)})")
    tolerance, decimals, min_area = SCALES[scale]
    projected = gpd.GeoSeries(geoms, crs=WGS84).to_crs(WEB_MERCATOR).to_numpy()
    if min_area > 0:
        projected = np.array([_drop_islets(g, min_area) for g in projected], dtype=object)
    try:
        simplified = shapely.coverage_simplify(projected, tolerance)
        if shapely.is_empty(simplified).any():
            raise GEOSException("empty result")
    except (GEOSException, ValueError):
        simplified = shapely.simplify(projected, tolerance, preserve_topology=True)
    back = gpd.GeoSeries(simplified, crs=WEB_MERCATOR).to_crs(WGS84).to_numpy()
    return shapely.transform(back, lambda xy: np.round(xy, decimals))


def _drop_islets(geom: shapely.Geometry | None, min_area: float) -> shapely.Geometry | None:
    if geom is None or geom.geom_type != "MultiPolygon":
        return geom
    parts = list(geom.geoms)
    largest = max(parts, key=lambda part: part.area)
    kept = [part for part in parts if part.area >= min_area or part is largest]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)

