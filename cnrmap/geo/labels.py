"""Place names on the map, and the rule that keeps them from overlapping.

Each label has a priority; it is shown from the zoom level at which it no longer overlaps any label of
higher priority that is itself shown, at the best of a few positions around its point (:func:`place_labels`).
The rule works in Web Mercator pixels, where two points' distance doubles with each zoom level while texts
and their offsets keep their size: the zooms over which two boxes overlap are computed exactly, so the
browser only compares the zoom with each label's ``min_zoom``.
Text boxes are estimated generously (:func:`text_box`); the browser test measures the real ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cnrmap import memory
from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo import insets as inset_geo
from cnrmap.memo import Memo

# Average advance of a character of the label font as a share of its size (bold sans-serif, generous),
# and the free space kept around each label, in pixels.
CHAR_WIDTH = 0.64
LINE_HEIGHT = 1.25
MARGIN_PX = 3.0
MAX_ZOOM = 19.0
# Point symbols are drawn smaller at national scale: (zoom from which, size factor), shared with the browser.
SYMBOL_SCALES: tuple[tuple[float, float], ...] = ((-math.inf, 0.7), (7.0, 0.85), (8.5, 1.0))
# Distances (pixels) between a point and the near edge of its name when the name cannot sit on the point.
OFFSET_GAPS = (4.0, 20.0)
TILE = 256.0


@dataclass(frozen=True)
class Label:
    """A name to write at ``(lon, lat)`` (centre of its text), with its priority (higher wins).

    ``kind`` (``inset``, ``place``, ``code``, ``prefecture``, ``commune``, ``obstacle``) sets the style;
    ``size`` is the font size in pixels; ``box`` replaces the text's estimated size (obstacles); ``min_zoom``
    and ``offset`` (pixels from the point to the text's centre, screen axes) are set by :func:`place_labels`.
    """

    text: str
    lon: float
    lat: float
    priority: float
    kind: str = "prefecture"
    size: int = 11
    min_zoom: float = 0.0
    department: str = ""
    box: tuple[float, float] | None = None
    offset: tuple[float, float] = (0.0, 0.0)


def obstacle(lon: float, lat: float, size: float) -> Label:
    """A point symbol of ``size`` pixels that names must not cover (placed first, never drawn as text)."""
    return Label("", lon, lat, 1e11, "obstacle", box=(size, size))


def text_box(label: Label) -> tuple[float, float]:
    """Estimated width and height of a label's text (or its given ``box``), in pixels."""
    if label.box is not None:
        return label.box
    return len(label.text) * label.size * CHAR_WIDTH + 4, label.size * LINE_HEIGHT + 2


def _world(labels: Sequence[Label]) -> tuple[np.ndarray, np.ndarray]:
    """Positions in Web Mercator pixels at zoom 0 (256 per world width), ``y`` pointing down as on screen."""
    x, y = inset_geo.to_mercator(np.array([lb.lon for lb in labels]), np.array([lb.lat for lb in labels]))
    scale = TILE / (2 * math.pi * inset_geo.EARTH_RADIUS)
    return x * scale, -y * scale


def _axis_interval(d: float, offset: float, reach: float) -> tuple[float, float] | None:
    """The scale factors ``t > 0`` for which ``|d·t + offset| < reach`` (an open interval), or ``None``."""
    if d == 0:
        return (0.0, math.inf) if abs(offset) < reach else None
    lo, hi = sorted(((-reach - offset) / d, (reach - offset) / d))
    lo = max(lo, 0.0)
    return (lo, hi) if hi > lo else None


def overlap_zooms(
    dx: float, dy: float, offset: tuple[float, float], reach: tuple[float, float]
) -> tuple[float, float] | None:
    """Zooms ``(from, to)`` over which two boxes overlap, or ``None`` if never.

    ``dx``, ``dy``: distance of their anchor points at zoom 0 (pixels, doubling with each zoom level);
    ``offset``: difference of their fixed pixel offsets; ``reach``: sum of their half-sizes plus the margin.
    On each axis the boxes overlap while ``|d·2^z + offset| < reach``, an interval of ``2^z``.
    """
    x = _axis_interval(dx, offset[0], reach[0])
    y = _axis_interval(dy, offset[1], reach[1])
    if x is None or y is None:
        return None
    lo, hi = max(x[0], y[0]), min(x[1], y[1])
    if hi <= lo:
        return None
    return (math.log2(lo) if lo > 0 else -math.inf, math.log2(hi) if math.isfinite(hi) else math.inf)


def _offsets(box: tuple[float, float], kind: str) -> list[tuple[float, float]]:
    """Where a name may go around its point (pixels, screen axes): on it, then below, above, right or left of
    it, close, then far enough to clear a point symbol."""
    if kind in ("obstacle", "inset", "code"):
        return [(0.0, 0.0)]
    w, h = box
    out = [(0.0, 0.0)]
    for gap in OFFSET_GAPS:
        out += [(0.0, h / 2 + gap), (0.0, -h / 2 - gap), (w / 2 + gap, 0.0), (-w / 2 - gap, 0.0)]
    return out


_STARTS = np.array([start for start, _ in SYMBOL_SCALES])
_STOPS = np.array([*_STARTS[1:], math.inf])
_FACTORS = np.array([factor for _, factor in SYMBOL_SCALES])


def _axis_intervals(d: np.ndarray, offset: np.ndarray, reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_axis_interval` of broadcast arrays: ``(lo, hi)``, empty where ``hi <= lo``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = (-reach - offset) / d, (reach - offset) / d
    inside = np.abs(offset) < reach
    lo = np.where(d == 0, np.where(inside, 0.0, math.inf), np.maximum(np.minimum(a, b), 0.0))
    hi = np.where(d == 0, np.where(inside, math.inf, -math.inf), np.maximum(a, b))
    return lo, hi


def overlap_ends(
    dx: np.ndarray, dy: np.ndarray, shifts: np.ndarray, boxes: np.ndarray, symbols: np.ndarray,
    box: np.ndarray, symbol: bool,
) -> np.ndarray:  # fmt: skip
    """Zoom up to which a label overlaps each of ``K`` others, for each of its ``O`` positions (``-inf``: never).

    ``dx``, ``dy`` (K): its anchor minus theirs at zoom 0; ``shifts`` (O, K, 2): its offset minus theirs;
    ``boxes`` (K, 2) and ``box`` (2): sizes; ``symbols`` (K) and ``symbol``: which are point symbols, drawn at
    their size of each zoom range (:data:`SYMBOL_SCALES`). :func:`overlap_zooms` over each range, all at once.
    """
    fa = np.where(symbols[:, None], _FACTORS, 1.0)  # (K, R)
    fb = _FACTORS if symbol else np.ones_like(_FACTORS)  # (R,)
    reach_x = (boxes[:, 0, None] * fa + box[0] * fb) / 2 + MARGIN_PX
    reach_y = (boxes[:, 1, None] * fa + box[1] * fb) / 2 + MARGIN_PX
    lo_x, hi_x = _axis_intervals(dx[None, :, None], shifts[:, :, 0, None], reach_x[None])
    lo_y, hi_y = _axis_intervals(dy[None, :, None], shifts[:, :, 1, None], reach_y[None])
    lo, hi = np.maximum(lo_x, lo_y), np.minimum(hi_x, hi_y)  # (O, K, R)
    with np.errstate(divide="ignore", invalid="ignore"):  # log2 of 0 or -inf where they never overlap
        first, last = np.log2(lo), np.log2(hi)
    meets = (hi > lo) & (last > _STARTS) & (first < _STOPS)
    return np.where(meets, np.minimum(last, _STOPS), -math.inf).max(axis=2)


def place_labels(labels: Iterable[Label], max_zoom: float = MAX_ZOOM) -> list[Label]:
    """Choose where each name goes around its point, and the zoom from which it shows, so that none overlap.

    Remembered by content: a new indicator, year, palette or classification keeps the names and the symbols of
    a view, and so their placement.

    Labels are taken by decreasing priority (ties: given order). For each position tried (on the point,
    then below, above, right, left of it, at a fixed pixel distance), a label must wait, after each label of
    higher priority, until the zoom from which the two no longer overlap — but only when they would overlap
    while the other one is shown (from its ``min_zoom`` on). The position that shows soonest is kept. Both
    being shown from their ``min_zoom`` on, two labels shown at the same zoom never overlap.

    Returns
    -------
    list of Label
        The labels shown at some zoom up to ``max_zoom``, in priority order, ``min_zoom`` and ``offset`` set.
    """
    candidates = tuple(labels)
    return list(_PLACED.get_or_compute((candidates, max_zoom), lambda: _placed(candidates, max_zoom)))


_PLACED: Memo[list[Label]] = Memo(16, "placed labels", budget=memory.LABELS_BUDGET)


def _placed(labels: Sequence[Label], max_zoom: float) -> list[Label]:
    ordered = sorted(labels, key=lambda lb: -lb.priority)
    if not ordered:
        return []
    x, y = _world(ordered)
    boxes = np.array([text_box(lb) for lb in ordered], dtype=float)
    symbols = np.array([lb.kind == "obstacle" for lb in ordered])
    options = [_offsets(tuple(boxes[j]), lb.kind) for j, lb in enumerate(ordered)]
    reach_off = np.array([[max(abs(o[0]) for o in opts), max(abs(o[1]) for o in opts)] for opts in options])
    # The labels placed so far: their index in ``ordered``, zoom from which they show and offset, filled in order.
    at = np.zeros(len(ordered), dtype=int)
    shown_from = np.zeros(len(ordered))
    moved = np.zeros((len(ordered), 2))
    n = 0
    out = []
    for j, label in enumerate(ordered):
        zoom, offset = 0.0, options[j][0]
        if n and label.kind != "obstacle":
            # A quick bound skips the labels it cannot overlap while both are shown.
            ahead, zooms, offsets = at[:n], shown_from[:n], moved[:n]
            dx, dy = np.abs(x[ahead] - x[j]), np.abs(y[ahead] - y[j])
            bx = (boxes[ahead, 0] + boxes[j][0]) / 2 + MARGIN_PX + np.abs(offsets[:, 0]) + reach_off[j][0]
            by = (boxes[ahead, 1] + boxes[j][1]) / 2 + MARGIN_PX + np.abs(offsets[:, 1]) + reach_off[j][1]
            with np.errstate(divide="ignore"):
                near = np.minimum(np.log2(bx / dx), np.log2(by / dy)) > zooms
            if near.any():
                # Symbols are always drawn: only names give way (to symbols and to each other), and only to a label
                # they would overlap while it is shown. The position that shows soonest wins (the first on a tie).
                ahead, zooms = ahead[near], zooms[near]
                shifts = np.array(options[j])[:, None, :] - offsets[near][None, :, :]
                ends = overlap_ends(x[j] - x[ahead], y[j] - y[ahead], shifts, boxes[ahead], symbols[ahead],
                                    boxes[j], False)  # fmt: skip
                waits = np.where(ends > zooms, ends, 0.0).max(axis=1, initial=0.0)
                choice = int(np.argmin(waits))
                zoom, offset = float(waits[choice]), options[j][choice]
        if zoom > max_zoom:
            continue
        at[n], shown_from[n], moved[n] = j, zoom, offset
        n += 1
        out.append(replace(label, min_zoom=round(zoom, 3), offset=offset))
    return out


def label_point(geom: shapely.Geometry) -> tuple[float, float]:
    """A point well inside a polygon (its largest part's pole of inaccessibility, approximately)."""
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    point = shapely.ops.polylabel(geom, tolerance=0.01) if geom.geom_type == "Polygon" else geom.centroid
    return float(point.x), float(point.y)


PREFECTURES = "prefectures.csv"


def load_prefectures(settings: Settings) -> pd.DataFrame:
    """The chefs-lieux table (``data/reference/prefectures.csv``): department, commune, name, point, population.

    Raises
    ------
    DataError
        If the table is missing (French message with the command that rebuilds it).
    """
    path = settings.data_dir / "reference" / PREFECTURES
    try:
        table = pd.read_csv(path, dtype={"department_code": str, "commune_code": str, "name": str})
    except OSError as exc:
        raise DataError(
            f"Table des chefs-lieux absente : {path}.",
            hint="Régénérer : python -m tools.reference_tables --from DOSSIER_DU_MIROIR",
        ) from exc
    table["population"] = pd.to_numeric(table["population"], errors="coerce").fillna(0)
    return table


def prefecture_labels(prefectures: pd.DataFrame, departments: Iterable[str]) -> list[Label]:
    """Labels of the chef-lieu of each department (``code``, ``name``, ``lon``, ``lat``, ``population``)."""
    rows = prefectures[prefectures["department_code"].isin(set(departments))]
    return [
        Label(str(r.name), float(r.lon), float(r.lat), float(r.population or 0), department=str(r.department_code))
        for r in rows.itertuples()
    ]


def commune_labels(communes: gpd.GeoDataFrame, populations: Mapping[str, int], limit: int) -> list[Label]:
    """Labels of the ``limit`` most populous communes of a layer (``code``, ``name``, geometry)."""
    pops = communes["code"].map(populations).fillna(0)
    top = communes.assign(population=pops).nlargest(limit, "population")
    out = []
    for row in top.itertuples():
        if row.geometry is None or row.geometry.is_empty:
            continue
        lon, lat = label_point(row.geometry)
        department = str(getattr(row, "department_code", "") or "")
        out.append(Label(str(row.name), lon, lat, float(row.population), "commune", department=department))
    return out


def code_labels(departments: gpd.GeoDataFrame) -> list[Label]:
    """The department codes at a point inside each department (above every place name)."""
    out = []
    for row in departments.itertuples():
        if row.geometry is None or row.geometry.is_empty:
            continue
        lon, lat = label_point(row.geometry)
        out.append(Label(str(row.code), lon, lat, 1e8, "code", department=str(row.code)))
    return out


def relocated(labels: Sequence[Label], paris_copies: bool) -> list[Label]:
    """Labels of overseas places moved into their insets (and copies of Paris' ones in its inset)."""
    out = []
    for label in labels:
        department = label.department
        inset = inset_geo.inset_of(department) if department else None
        targets = [inset] if inset else []
        if paris_copies and department in inset_geo.PARIS.departments:
            targets.append(inset_geo.PARIS)
            out.append(label)
        elif inset is None:
            out.append(label)
        for target in targets:
            x, y = inset_geo.to_mercator(np.array([label.lon]), np.array([label.lat]))
            lon, lat = inset_geo.to_degrees(*target.forward(x, y))
            out.append(replace(label, lon=round(float(lon[0]), 5), lat=round(float(lat[0]), 5)))
    return out


def inset_labels(shown: Sequence[inset_geo.Inset]) -> list[Label]:
    """The names of the insets, in the strip at the top of their frames (always shown)."""
    out = []
    for inset in shown:
        minx, _, maxx, maxy = inset.frame_bounds()
        strip_y = maxy - inset_geo.NAME_STRIP / 2
        lon, lat = inset_geo.to_degrees(np.array([(minx + maxx) / 2]), np.array([strip_y]))
        out.append(Label(inset.name, float(lon[0]), float(lat[0]), 1e12, "inset", size=10))
    return out
