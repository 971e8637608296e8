"""Classes and colours for the choropleth: breaks, class assignment, colour-blind-safe palettes.

Breaks are *edges*: ``[min, b1, …, max]``; class ``i`` (0-based) holds values in ``(edges[i], edges[i + 1]]``,
the first class also holding its lower edge. A missing value has no class (``<NA>``), never class 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cnrmap.french import format_number

METHODS: dict[str, str] = {
    "quantiles": "Quantiles",
    "equal": "Intervalles égaux",
    "jenks": "Seuils naturels (Jenks)",
}

MIN_CLASSES = 2
MAX_CLASSES = 9

# Anchor colours, light to dark; classes are sampled along them. All are sequential and readable by
# colour-blind users (viridis/cividis by design; ColorBrewer YlGnBu, YlOrRd, PuBu are single-hue or
# light-to-dark ramps rated colour-blind safe by ColorBrewer).
_PALETTE_ANCHORS: dict[str, tuple[str, ...]] = {
    "viridis": (
        "#fde725",
        "#b5de2b",
        "#6ece58",
        "#35b779",
        "#1f9e89",
        "#26828e",
        "#31688e",
        "#3e4989",
        "#482878",
        "#440154",
    ),
    "cividis": (
        "#fee838",
        "#e1cc55",
        "#c3b369",
        "#a59c74",
        "#8a8678",
        "#707173",
        "#575d6d",
        "#3b496c",
        "#123570",
        "#00224e",
    ),
    "YlGnBu": ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"),
    "YlOrRd": ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"),
    "PuBu": ("#fff7fb", "#ece7f2", "#d0d1e6", "#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#045a8d", "#023858"),
}

PALETTES: dict[str, str] = {
    "viridis": "Viridis (jaune → violet)",
    "cividis": "Cividis (jaune → bleu nuit)",
    "YlGnBu": "Jaune → vert → bleu",
    "YlOrRd": "Jaune → orange → rouge",
    "PuBu": "Blanc → bleu",
}
DEFAULT_PALETTE = "YlGnBu"

# GP zoning: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), ordered by
# severity; "hors zonage" is nearly white. "Résultat non disponible" is a category the ARS published, not
# missing data: a dark brown (much darker than the ambers, unlike any grey), never the missing-data grey.
ZONING_COLOURS: dict[str, str] = {
    "ZIP": "#d55e00",
    "ZAC": "#e69f00",
    "ZAR": "#56b4e9",
    "HZ": "#f4f4f4",
    "ND": "#8c510a",
}

# Projects by status: Okabe-Ito bluish green / reddish purple / vermillion, distinguishable with the common
# colour-vision deficiencies; "non renseigné" is white with a dark ring.
STATUS_COLOURS: dict[str, str] = {
    "realise": "#009e73",
    "en_cours": "#cc79a7",
    "abandonne": "#d55e00",
    "non_renseigne": "#ffffff",
}
MEETING_COLOUR = "#000000"

# Fallback colours for a categorical indicator whose categories are not listed above (Okabe-Ito).
CATEGORICAL_FALLBACK: tuple[str, ...] = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
)


def _clean(values: Iterable[float] | pd.Series) -> np.ndarray:
    arr = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype(float).to_numpy()
    return arr[np.isfinite(arr)]


def compute_breaks(values: Iterable[float] | pd.Series, method: str, k: int, integer: bool = False) -> list[float]:
    """Compute class edges for a numeric series.

    Parameters
    ----------
    values : iterable of float
        The values to classify; missing values (NaN, None) are ignored.
    method : str
        One of :data:`METHODS` (``"quantiles"``, ``"equal"``, ``"jenks"``).
    k : int
        Wanted number of classes (2 to 9). Fewer classes are made when there are fewer distinct values.
    integer : bool
        The values are counts: inner edges are whole numbers, so that classes read « 1 », « 2–3 », « 4–6 »
        (:func:`class_labels` with ``integer=True``) and never split a whole number.

    Returns
    -------
    list of float
        Edges ``[min, b1, …, max]`` (strictly increasing, ``len = classes + 1``); ``[v, v]`` when all values
        are equal, ``[]`` when there is no value.

    Raises
    ------
    ValueError
        If ``method`` is unknown or ``k`` is out of range.
    """
    if method not in METHODS:
        raise ValueError(f"méthode de classification inconnue : {method!r} (attendu : {', '.join(METHODS)})")
    if not isinstance(k, int | np.integer) or not MIN_CLASSES <= k <= MAX_CLASSES:
        raise ValueError(f"nombre de classes invalide : {k!r} (attendu : {MIN_CLASSES} à {MAX_CLASSES})")
    arr = _clean(values)
    if arr.size == 0:
        return []
    distinct = np.unique(arr)
    lo, hi = float(distinct[0]), float(distinct[-1])
    if distinct.size == 1:
        return [lo, hi]
    if distinct.size < k:
        # Fewer distinct values than classes: one class per distinct value (the first class is the single value ``lo``).
        return [lo, *(float(v) for v in distinct)]
    bins = _class_bounds(arr, method, int(k))
    edges = [lo]
    for b in bins:
        b = float(b)
        # The first class may be the single value ``lo`` (many ties at the minimum, e.g. zeros).
        if b > edges[-1] or (len(edges) == 1 and b == lo):
            edges.append(b)
    if edges[-1] < hi:
        edges.append(hi)
    edges[-1] = max(edges[-1], hi)
    return _whole(edges) if integer else edges


def _whole(edges: list[float]) -> list[float]:
    """Edges for counts: inner edges floored to whole numbers, empty classes dropped."""
    lo, hi = edges[0], edges[-1]
    out = [lo]
    for edge in edges[1:-1]:
        whole = float(math.floor(edge))
        if whole >= out[-1] and whole < hi and (whole > out[-1] or (len(out) == 1 and whole == lo)):
            out.append(whole)
    out.append(hi)
    return out


_JENKS_SAMPLE = 300


def _class_bounds(arr: np.ndarray, method: str, k: int) -> list[float]:
    """Upper class bounds, as mapclassify computes them.

    mapclassify's formulas in numpy (``tests/test_classify.py`` compares them with mapclassify): importing
    mapclassify loads scipy and scikit-learn, 1.5 to 3 s and 80 MB of resident memory in every server process.
    """
    if method == "quantiles":
        # mapclassify.classifiers.quantile: scoreatpercentile (linear) at 100/k, 200/k, …, 100; ties collapse.
        percents = np.minimum(np.arange(1, k + 1) * (100.0 / k), 100.0)
        return list(np.unique(np.percentile(arr, percents)))
    if method == "equal":
        lo, hi = float(arr.min()), float(arr.max())
        cuts = lo + (hi - lo) / k * np.arange(1, k + 1)
        cuts[-1] = hi
        return list(cuts)
    ordered = np.sort(arr).astype(float)
    if ordered.size > _JENKS_SAMPLE:
        # Fisher-Jenks is quadratic: classify an evenly spaced sample of the sorted values
        # (deterministic, unlike mapclassify's random sampling), then cover the full range.
        ordered = ordered[np.linspace(0, ordered.size - 1, _JENKS_SAMPLE).round().astype(int)]
    return list(fisher_jenks(ordered, k))


def fisher_jenks(ordered: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the ``k`` Fisher-Jenks classes of sorted values (mapclassify's ``FisherJenks(y, k).bins``).

    The dynamic programme of mapclassify's ``_fisher_jenks_means`` (after Jenks' Fortran code), with its
    float32 sums and its choice among equal costs, vectorised over the candidate class starts.
    """
    n = len(ordered)
    start = np.zeros((n + 1, k + 1), dtype=np.int64)  # 1-based index of the first value of the last class
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)  # within-class variance of the best split
    start[1, 1:] = 1
    cost[2:, 1:] = np.inf
    values = ordered.astype(np.float32)
    for last in range(2, n + 1):
        # Candidate last classes: values m-1 … last-1 (m = 1 … last, read backwards as mapclassify does).
        tail = values[:last][::-1]
        s1 = np.cumsum(tail, dtype=np.float32)
        s2 = np.cumsum(tail * tail, dtype=np.float32)
        variance = s2 - (s1 * s1) / np.arange(1, last + 1, dtype=np.float32)
        first = last - np.arange(1, last + 1) + 1  # first value of the candidate class, for each length m
        before = first[:-1] - 1  # values left for the other classes (none when the class takes them all)
        for j in range(2, k + 1):
            total = variance[:-1] + cost[before, j - 1]
            best = total.min()
            if cost[last, j] >= best:
                # mapclassify keeps the last candidate (the longest class) among equal costs.
                m = np.flatnonzero(total == best)[-1]
                start[last, j] = first[m]
                cost[last, j] = best
        start[last, 1] = 1
        cost[last, 1] = variance[-1]
    bounds = np.zeros(k + 1, dtype=ordered.dtype)
    bounds[k] = ordered[-1]
    bounds[0] = ordered[0]
    row = n
    for count in range(k, 1, -1):
        pivot = start[row, count]
        bounds[count - 1] = ordered[int(pivot - 2)]
        row = int(pivot - 1)
    return bounds[1:]


def assign_classes(values: Iterable[float] | pd.Series, breaks: Sequence[float]) -> pd.Series:
    """Give each value its class index (0-based) for the given edges.

    Parameters
    ----------
    values : iterable of float
        Values to classify (index kept when a Series is given).
    breaks : sequence of float
        Edges as returned by :func:`compute_breaks`. Values outside the edges go to the first or last class
        (this happens with fixed breaks computed over a wider set).

    Returns
    -------
    pandas.Series
        Nullable ``Int64`` series; ``<NA>`` for missing values or when there are no edges.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    numeric = pd.to_numeric(series.astype("object"), errors="coerce").astype(float)
    out = pd.Series(pd.NA, index=series.index, dtype="Int64")
    if len(breaks) < 2:
        if len(breaks) == 1:
            out[numeric.notna()] = 0
        return out
    n_classes = len(breaks) - 1
    inner = np.asarray(breaks[1:-1], dtype=float)
    mask = numeric.notna() & np.isfinite(numeric)
    idx = np.searchsorted(inner, numeric[mask].to_numpy(), side="left")
    out[mask] = np.clip(idx, 0, n_classes - 1)
    return out


def palette_colours(palette: str, n: int) -> list[str]:
    """Sample ``n`` colours (light to dark) from a palette of :data:`PALETTES`.

    Raises
    ------
    ValueError
        If the palette is unknown.
    """
    if palette == DIVERGING_PALETTE:
        return diverging_colours(n)
    if palette not in _PALETTE_ANCHORS:
        raise ValueError(f"palette inconnue : {palette!r} (attendu : {', '.join(PALETTES)})")
    anchors = _PALETTE_ANCHORS[palette]
    if n <= 0:
        return []
    if n == 1:
        return [anchors[len(anchors) // 2]]
    rgb = np.array([[int(a[i : i + 2], 16) for i in (1, 3, 5)] for a in anchors], dtype=float)
    # Skip the palest anchor for small n so that the lightest class stays distinct from the missing grey.
    start = 1.0 if n <= 5 and len(anchors) > 6 else 0.0
    positions = np.linspace(start, len(anchors) - 1, n)
    colours = []
    for pos in positions:
        i = min(math.floor(pos), len(anchors) - 2)
        t = pos - i
        c = rgb[i] * (1 - t) + rgb[i + 1] * t
        colours.append("#" + "".join(f"{round(v):02x}" for v in c))
    return colours


def category_colours(categories: Sequence[str]) -> dict[str, str]:
    """Colours for categorical values: the zoning colours when known, Okabe-Ito colours otherwise."""
    out: dict[str, str] = {}
    spare = iter(CATEGORICAL_FALLBACK)
    for cat in categories:
        if cat in ZONING_COLOURS:
            out[cat] = ZONING_COLOURS[cat]
        else:
            out[cat] = next(spare, "#777777")
    return out


def class_labels(breaks: Sequence[float], decimals: int | None = None, integer: bool = False) -> list[str]:
    """Legend labels for the classes of ``breaks``.

    Class ``i`` holds ``(edges[i], edges[i + 1]]`` (the first one its lower edge too). Counts
    (``integer=True``) read as whole-number ranges that never overlap: « 0 », « 1–3 », « 4–6 ». Other values
    read « 12,5 – 20 » with the fewest decimals that keep distinct edges distinct.
    """
    if len(breaks) < 2:
        return [format_number(breaks[0], 0 if integer else decimals)] if breaks else []
    if integer:
        labels = []
        for i in range(len(breaks) - 1):
            lo = math.ceil(breaks[i]) if i == 0 else math.floor(breaks[i]) + 1
            hi = math.floor(breaks[i + 1])
            lo_text, hi_text = format_number(lo, 0), format_number(hi, 0)
            labels.append(lo_text if lo >= hi else f"{lo_text}–{hi_text}")
        return labels
    if decimals is None:
        # The fewest decimals (up to 3) that keep distinct edges distinct.
        distinct = sorted(set(breaks))
        decimals = next(
            (d for d in range(4) if len({format_number(b, d) for b in distinct}) == len(distinct)),
            3,
        )
        if any(abs(b) < 100 and not float(b).is_integer() for b in distinct):
            decimals = max(decimals, 1)
    labels = []
    for i in range(len(breaks) - 1):
        # A typographic minus: « −0,7 – 0,3 » reads as a range, « -0,7 – 0,3 » hardly.
        lo, hi = (format_number(b, decimals).replace("-", "\u2212") for b in (breaks[i], breaks[i + 1]))
        labels.append(lo if lo == hi else f"{lo} – {hi}")
    return labels


# Changes centred on zero (an evolution between two years): ColorBrewer RdBu, rated colour-blind safe, red for a
# decline and blue for a rise of an indicator where higher is better; the middle class is near-white.
DIVERGING_ANCHORS: tuple[str, ...] = (
    "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac",
)  # fmt: skip
DIVERGING_PALETTE = "RdBu"


def diverging_classes(k: int) -> int:
    """An odd number of classes (``k`` or ``k + 1``, at most :data:`MAX_CLASSES`): the middle one holds zero."""
    return k if k % 2 else min(k + 1, MAX_CLASSES)


def diverging_breaks(values: Iterable[float] | pd.Series, method: str, k: int) -> list[float]:
    """Class edges symmetric about zero for changes (negative = worse when higher is better).

    The number of classes is made odd (:func:`diverging_classes`) so that a middle class straddles zero; the
    magnitudes of the edges come from ``method`` applied to the absolute values (quantiles of |value|, equal
    steps up to the largest |value|, or Jenks on |value|), so both sides get the same edges with opposite signs.

    Returns
    -------
    list of float
        ``[-m, …, -e1, e1, …, m]`` strictly increasing (``len = classes + 1``); ``[]`` without values; ``[0, 0]``
        when every value is zero.
    """
    if method not in METHODS:
        raise ValueError(f"méthode de classification inconnue : {method!r} (attendu : {', '.join(METHODS)})")
    arr = np.abs(_clean(values))
    if arr.size == 0:
        return []
    top = float(arr.max())
    if top == 0:
        return [0.0, 0.0]
    half = diverging_classes(k) // 2  # classes on each side of the middle one
    positive = arr[arr > 0]
    if method == "equal" or positive.size < half + 1:
        inner = list(np.linspace(0, top, half + 2)[1:-1])
    elif method == "quantiles":
        inner = list(np.percentile(positive, np.linspace(0, 100, half + 2)[1:-1]))
    else:
        inner = [b for b in _class_bounds(positive, "jenks", half + 1)][:-1]
    magnitudes = sorted({float(m) for m in inner if 0 < m < top})
    edges = [-top, *(-m for m in reversed(magnitudes)), *magnitudes, top]
    return edges


def diverging_colours(n: int) -> list[str]:
    """``n`` colours (odd ``n``) from red through near-white to blue, symmetric about the middle one."""
    if n <= 0:
        return []
    anchors = DIVERGING_ANCHORS
    middle = len(anchors) // 2
    side = n // 2
    if side == 0:
        return [anchors[middle]]
    steps = np.linspace(0, middle, side + 1)[1:]
    lows = [anchors[middle - round(s)] for s in reversed(steps)]
    highs = [anchors[middle + round(s)] for s in steps]
    return lows + ([anchors[middle]] if n % 2 else []) + highs
