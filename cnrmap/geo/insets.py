"""Insets of a France map: the five overseas departments and Paris with its inner suburbs, moved near the mainland.

Leaflet draws in Web Mercator (EPSG:3857), so each inset is an affine transform in that projected CRS —
scale about an anchor, then move the anchor to the inset's centre — applied to the geometries before they
are sent as (fake) longitudes and latitudes. Features keep their real code and name in their properties:
hover, click, search and the detail panel report the real territory.

Parameters
----------
The scales and anchors are those of the "DROM rapprochés" layout of INSEE's open-source cartiflette
project (``cartiflette/mapshaper/mapshaper_closer.py``: mapshaper ``-proj EPSG:3857`` then
``-affine shift=… scale=…`` about the centre of each territory's selection box; overseas scales 1.5,
Guyane 0.35; Paris, Hauts-de-Seine, Seine-Saint-Denis and Val-de-Marne enlarged 4 times). The anchor here
is the centre of cartiflette's selection box (``EMPRISES``) itself, not of the shapes selected, so that a
map of a few communes is moved exactly like the whole department. The shifts differ: cartiflette puts the
insets in a row over northern Spain, which its France-only maps do not draw; this map draws the neighbouring
countries, so the overseas insets stand in a column over the Bay of Biscay and the Paris inset over the
Gulf of Lion, in frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cnrmap import memory
from cnrmap.geo import topology
from cnrmap.memo import Memo

EARTH_RADIUS = 6378137.0  # EPSG:3857 sphere
PARIS_DEPARTMENTS = ("75", "92", "93", "94")


def to_mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:4326 degrees → EPSG:3857 metres (spherical Web Mercator, as Leaflet)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x = EARTH_RADIUS * np.radians(lon)
    y = EARTH_RADIUS * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def to_degrees(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3857 metres → EPSG:4326 degrees."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    lon = np.degrees(x / EARTH_RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS)) - np.pi / 2)
    return lon, lat


def _box_centre(minx: float, miny: float, maxx: float, maxy: float) -> tuple[float, float]:
    return (minx + maxx) / 2, (miny + maxy) / 2


def _mercator_point(lon: float, lat: float) -> tuple[float, float]:
    x, y = to_mercator(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


@dataclass(frozen=True)
class Inset:
    """One inset: which departments, how they are scaled and where they go (EPSG:3857 metres).

    ``anchor`` is the point scaled about (it lands on ``centre``); ``half_size`` is the half-width and
    half-height of the frame drawn around the inset, centred on ``centre``.
    """

    key: str
    name: str
    departments: tuple[str, ...]
    anchor: tuple[float, float]
    scale: float
    centre: tuple[float, float]
    half_size: tuple[float, float]

    def forward(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Real position → position in the inset (metres)."""
        return (
            (np.asarray(x) - self.anchor[0]) * self.scale + self.centre[0],
            (np.asarray(y) - self.anchor[1]) * self.scale + self.centre[1],
        )

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position in the inset → real position (metres)."""
        return (
            (np.asarray(x) - self.centre[0]) / self.scale + self.anchor[0],
            (np.asarray(y) - self.centre[1]) / self.scale + self.anchor[1],
        )

    def frame_bounds(self) -> tuple[float, float, float, float]:
        """The frame in EPSG:3857 metres, ``(minx, miny, maxx, maxy)``: the territory's box and a strip above
        it for its name."""
        (cx, cy), (hw, hh) = self.centre, self.half_size
        return cx - hw, cy - hh, cx + hw, cy + hh + NAME_STRIP

    def window(self) -> shapely.Polygon:
        """The real area the frame shows, in degrees."""
        minx, miny, maxx, maxy = self.frame_bounds()
        x, y = self.inverse(np.array([minx, maxx]), np.array([miny, maxy]))
        lon, lat = to_degrees(x, y)
        return shapely.box(lon[0], lat[0], lon[1], lat[1])


# cartiflette's selection boxes (EPSG:3857) of each overseas department, and its scales.
_EMPRISES = {
    "971": (-6880639.760944527, 1785277.734007631, -6790707.017202182, 1864381.5053494961),
    "972": (-6815985.711078632, 1618842.9696702233, -6769303.6899859235, 1675227.3853840816),
    "973": (-6078313.094526156, 235057.05702474713, -5746208.123095576, 641016.7211362486),
    "974": (6146675.557436854, -2438398.996947137, 6215705.133130206, -2376601.891080389),
    "976": (5011418.778972076, -1460351.1566339568, 5042772.003914668, -1418243.6428180535),
}
_SCALES = {"971": 1.5, "972": 1.5, "973": 0.35, "974": 1.5, "976": 1.5}
_NAMES = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}

# Height of the strip above each territory where its name is written (metres).
NAME_STRIP = 34_000.0
# Column of equal frames over the Bay of Biscay, top to bottom in code order (metres).
_FRAME_HALF = (85_000.0, 80_000.0)
_COLUMN_X = _mercator_point(-7.4, 46.0)[0]
_COLUMN_TOP = _mercator_point(-7.4, 50.4)[1]
_GAP = 16_000.0


def _overseas() -> tuple[Inset, ...]:
    out = []
    for i, code in enumerate(_EMPRISES):
        top = _COLUMN_TOP - i * (2 * _FRAME_HALF[1] + NAME_STRIP + _GAP)
        centre = (_COLUMN_X, top - NAME_STRIP - _FRAME_HALF[1])
        anchor = _box_centre(*_EMPRISES[code])
        out.append(Inset(code, _NAMES[code], (code,), anchor, _SCALES[code], centre, _FRAME_HALF))
    return tuple(out)


OVERSEAS: tuple[Inset, ...] = _overseas()

# Paris and the petite couronne: anchor at the centre of their extent, 4 times larger, over the Gulf of Lion.
PARIS = Inset(
    key="idf",
    name="Paris et petite couronne",
    departments=PARIS_DEPARTMENTS,
    anchor=_mercator_point(2.38, 48.849),
    scale=4.0,
    centre=_mercator_point(5.1, 41.85),
    half_size=(130_000.0, 110_000.0),
)


def frame_polygon(inset: Inset) -> shapely.Polygon:
    """The frame of ``inset`` in degrees (room for its name at the top of overseas frames)."""
    minx, miny, maxx, maxy = inset.frame_bounds()
    lon, lat = to_degrees(np.array([minx, maxx]), np.array([miny, maxy]))
    return shapely.box(lon[0], lat[0], lon[1], lat[1])


def inset_of(department: str) -> Inset | None:
    """The overseas inset of a department code (``None`` for a metropolitan one)."""
    return next((i for i in OVERSEAS if department in i.departments), None)


# Moved geometries by content, inset and rounding: a rerun moves the very same overseas shapes again, and getting
# back the same objects lets the layers they make be found by identity (no digest of 35,000 communes).
_MOVED: Memo[np.ndarray] = Memo(16, "inset shapes", budget=memory.INSET_SHAPES_BUDGET)


def transform_geometries(geoms: Sequence[shapely.Geometry | None] | np.ndarray, inset: Inset, decimals: int,
                         inverse: bool = False) -> np.ndarray:  # fmt: skip
    """Move EPSG:4326 geometries into ``inset`` (or back with ``inverse``), coordinates rounded to ``decimals``.

    Rounding after the transform keeps shared borders shared: both sides move and round identically. The result
    is remembered: callers must not modify it.
    """
    arr = np.asarray(geoms, dtype=object)
    move = inset.inverse if inverse else inset.forward

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = to_mercator(xy[:, 0], xy[:, 1])
        lon, lat = to_degrees(*move(x, y))
        return np.round(np.column_stack([lon, lat]), decimals)

    key = (topology.fingerprint(arr), inset.key, decimals, inverse)
    return _MOVED.get_or_compute(key, lambda: shapely.transform(arr, apply))


def relocate(gdf: gpd.GeoDataFrame, department_column: str, decimals: int = 3) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` whose overseas rows are moved into their insets (other rows unchanged)."""
    departments = gdf[department_column].astype(str)
    if not departments.isin([i.key for i in OVERSEAS]).any():
        return gdf
    geoms = gdf.geometry.to_numpy().copy()
    for inset in OVERSEAS:
        mask = (departments == inset.key).to_numpy()
        if mask.any():
            geoms[mask] = transform_geometries(geoms[mask], inset, decimals)
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def paris_copies(gdf: gpd.GeoDataFrame, department_column: str, decimals: int = 3) -> gpd.GeoDataFrame:
    """The rows of Paris and its inner suburbs, enlarged into the Paris inset (empty when none is there)."""
    rows = gdf[gdf[department_column].astype(str).isin(PARIS.departments)]
    if rows.empty:
        return rows
    moved = transform_geometries(rows.geometry.to_numpy(), PARIS, decimals)
    return rows.set_geometry(gpd.GeoSeries(moved, index=rows.index, crs=gdf.crs))


def relocate_points(frame: pd.DataFrame, department_column: str = "department_code") -> pd.DataFrame:
    """A copy of ``frame`` (``lat``, ``lon``) with overseas points moved with their department's inset."""
    out = frame.copy()
    departments = out[department_column].astype(str)
    for inset in OVERSEAS:
        mask = (departments == inset.key).to_numpy() & out["lat"].notna().to_numpy()
        if mask.any():
            x, y = to_mercator(out.loc[mask, "lon"].to_numpy(float), out.loc[mask, "lat"].to_numpy(float))
            lon, lat = to_degrees(*inset.forward(x, y))
            out.loc[mask, "lon"], out.loc[mask, "lat"] = np.round(lon, 5), np.round(lat, 5)
    return out


def paris_points(frame: pd.DataFrame, department_column: str = "department_code") -> pd.DataFrame:
    """Copies of the points of Paris and its inner suburbs, placed in the Paris inset."""
    rows = frame[frame[department_column].astype(str).isin(PARIS.departments) & frame["lat"].notna()].copy()
    if rows.empty:
        return rows
    x, y = to_mercator(rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
    lon, lat = to_degrees(*PARIS.forward(x, y))
    rows["lon"], rows["lat"] = np.round(lon, 5), np.round(lat, 5)
    return rows


def real_position(lon: float, lat: float, insets: Iterable[Inset] = OVERSEAS) -> tuple[float, float]:
    """The real position of a point drawn on the map (inside an inset frame or not)."""
    point = shapely.Point(lon, lat)
    for inset in insets:
        if frame_polygon(inset).covers(point):
            x, y = to_mercator(np.array([lon]), np.array([lat]))
            rlon, rlat = to_degrees(*inset.inverse(x, y))
            return float(rlon[0]), float(rlat[0])
    return lon, lat


def shown_insets(departments: Iterable[str], paris: bool) -> tuple[Inset, ...]:
    """The insets a France map of these departments draws (Paris only when asked: department maps)."""
    present = set(departments)
    out = [i for i in OVERSEAS if present & set(i.departments)]
    if paris and present & set(PARIS.departments):
        out.append(PARIS)
    return tuple(out)


def frames(insets: Sequence[Inset]) -> gpd.GeoDataFrame:
    """The frames to draw (``key``, ``name``, geometry in degrees)."""
    return gpd.GeoDataFrame(
        {"key": [i.key for i in insets], "name": [i.name for i in insets]},
        geometry=[frame_polygon(i) for i in insets],
        crs="EPSG:4326",
    )
