"""The polygon layers of the map: an indicator's choropleth, the coloured-outline overlay, administrative limits.

Classes, colours, tooltip text, legend rows, and the labels the table, panel and exports show
(``class_label``, ``value_label``) are computed here once. A territory without a value is never drawn as
zero: it gets a missing class named after its reason (``missing_reason`` column, else « Donnée manquante »).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd
import shapely

from cnrmap import memory
from cnrmap.carte import classify
from cnrmap.french import MISSING, capitalize, format_value, ordinal
from cnrmap.geo import topology
from cnrmap.indicators.spec import IndicatorData
from cnrmap.leaflet.choropleth import OUTLINE_NEUTRAL, ChoroplethLayer, OutlineLayer
from cnrmap.leaflet.legend import MISSING_COLOUR, LegendItem, LegendSpec
from cnrmap.memo import Memo


def ranks(values: pd.Series) -> pd.Series:
    """Rank 1 = highest value among the non-missing ones (ties share the best rank); ``<NA>`` if missing."""
    return pd.to_numeric(values, errors="coerce").rank(method="min", ascending=False).astype("Int64")


def _esc(value: object) -> str:
    return "" if value is None or value is pd.NA or value != value else html.escape(str(value), quote=True)


def _esc_column(values: pd.Series) -> list[str]:
    """:func:`_esc` of every value of a column (vectorised missing-value test)."""
    text = values.astype("string").fillna("")
    special = text.str.contains(r"[&<>\"']", regex=True).to_numpy(dtype=bool)
    out = text.tolist()
    for i in special.nonzero()[0].tolist():
        out[i] = html.escape(out[i], quote=True)
    return out


def value_decimals(values: pd.Series) -> int:
    """Decimals to show for an indicator: 0 for whole numbers, else 1 (2 under 10)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty or (v == v.round()).all():
        return 0
    return 2 if v.abs().max() < 10 else 1


def source_line(source: str, vintage: str) -> str:
    """« Source : … (vintage) » for legends and exports."""
    if source and vintage and vintage not in source:
        return f"Source : {source} ({vintage})"
    if source:
        return f"Source : {source}"
    return f"Millésime : {vintage}" if vintage else ""


def legend_title(indicator: IndicatorData) -> str:
    """The indicator and its vintage: « Densité de médecins généralistes libéraux (2024) »."""
    vintage = indicator.vintage
    return f"{indicator.label} ({vintage})" if vintage and vintage not in indicator.label else indicator.label


def _missing_labels(gdf: gpd.GeoDataFrame, missing: pd.Series) -> list[str]:
    """Per territory, the name of its missing class (its reason, capitalised) or ``""`` when it has a value."""
    reasons = gdf["missing_reason"] if "missing_reason" in gdf.columns else pd.Series(None, index=gdf.index)
    return [
        capitalize(str(r)) if m and isinstance(r, str) and r else (MISSING if m else "")
        for m, r in zip(missing.tolist(), reasons.tolist(), strict=True)
    ]


def _missing_items(labels: Sequence[str]) -> list[LegendItem]:
    return [LegendItem(label, MISSING_COLOUR, "missing") for label in dict.fromkeys(x for x in labels if x)]


def numeric_layer(
    gdf: gpd.GeoDataFrame,
    indicator: IndicatorData,
    *,
    breaks: Sequence[float],
    palette: str,
    method: str = "quantiles",
    fixed_breaks: bool = False,
    region_names: Mapping[str, str] | None = None,
) -> ChoroplethLayer:
    """Classify a numeric indicator: colours, tooltip, legend, ``class_label`` and ``value_label``.

    Parameters
    ----------
    gdf : GeoDataFrame
        ``code``, ``name``, ``value`` (NaN when missing), ``geometry``; optional ``region_code`` (for the
        region reference value), ``dimmed`` and ``missing_reason``.
    indicator : IndicatorData
        Label, unit, vintage, source, references; ``integer`` counts get integer classes.
    breaks : sequence of float
        Class edges from :func:`cnrmap.carte.classify.compute_breaks`.
    palette, method : str
        Keys of :data:`cnrmap.carte.classify.PALETTES` and :data:`~cnrmap.carte.classify.METHODS`.
    fixed_breaks : bool
        Whether the breaks were computed over all of France (said in the legend).
    region_names : mapping, optional
        Region names by code, for the tooltip.
    """
    out = gdf.copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    n_classes = max(len(breaks) - 1, 1) if breaks else 0
    colours = classify.palette_colours(palette, n_classes) if n_classes else []
    out["class"] = classify.assign_classes(out["value"], breaks)
    out["colour"] = [colours[int(c)] if pd.notna(c) and colours else None for c in out["class"]]
    out["rank"] = ranks(out["value"])
    unit, refs = indicator.unit, dict(indicator.references)
    decimals = value_decimals(pd.concat([out["value"], pd.Series(list(refs.values()), dtype=float)]))
    missing = _missing_labels(out, out["value"].isna())
    labels = classify.class_labels(breaks, integer=indicator.integer)
    out["class_label"] = [
        m or (labels[int(c)] if pd.notna(c) and int(c) < len(labels) else MISSING)
        for m, c in zip(missing, out["class"], strict=True)
    ]
    out["value_label"] = [m or format_value(v, unit, decimals) for m, v in zip(missing, out["value"], strict=True)]
    if indicator.diverging:  # a change reads « +0,25 » / « −0,40 »
        out["value_label"] = [
            m or ("+" if v > 0 else "") + label.replace("-", "\u2212")
            for m, v, label in zip(missing, out["value"], out["value_label"], strict=True)
        ]
    shown = int(out["value"].notna().sum())
    out["tip_name"] = _esc_column(out["name"])
    out["tip_code"] = _esc_column(out["code"])
    out["tip_value"] = _esc_column(out["value_label"])
    out["tip_rank"] = [f"{ordinal(int(r))} sur {shown}" if pd.notna(r) else "—" for r in out["rank"]]
    aliases = {"tip_name": "Territoire", "tip_code": "Code", "tip_value": "Valeur", "tip_rank": "Rang (du plus élevé)"}
    names = dict(region_names or {})
    if "region_code" in out.columns and refs:
        out["tip_region"] = [
            f"{format_value(refs[rc], unit, decimals)} ({_esc(names.get(rc, rc))})" if rc in refs else "—"
            for rc in out["region_code"]
        ]
        aliases["tip_region"] = "Région"
    if "FR" in refs:
        out["tip_france"] = format_value(refs["FR"], unit, decimals)
        aliases["tip_france"] = "France"
    items = [LegendItem(lab, col) for lab, col in zip(labels, colours, strict=False)] + _missing_items(missing)
    notes = [f"Unité : {unit}" if unit else "", source_line(indicator.source, indicator.vintage)]
    scope = "toute la France (cartes comparables)" if fixed_breaks else "territoires affichés"
    centred = ", symétriques autour de 0" if indicator.diverging else ""
    notes.append(f"Classes : {classify.METHODS.get(method, method)}{centred}, calculées sur {scope}")
    notes += list(indicator.notes)
    return ChoroplethLayer(
        name=indicator.label,
        gdf=out,
        legend=LegendSpec(title=legend_title(indicator), items=tuple(items), notes=tuple(n for n in notes if n)),
        tooltip_aliases=aliases,
    )


def categorical_layer(
    gdf: gpd.GeoDataFrame,
    indicator: IndicatorData,
    *,
    outline_only: bool = False,
    name: str | None = None,
) -> ChoroplethLayer:
    """Colour territories by category (e.g. GP zoning ZIP / ZAC / ZAR / HZ / ND).

    Parameters
    ----------
    gdf : GeoDataFrame
        ``code``, ``name``, ``value`` (category code, missing allowed), ``geometry``; optional ``missing_reason``.
    indicator : IndicatorData
        Label, vintage, source and ``categories`` (code → French label, in legend order).
    outline_only : bool
        Draw coloured outlines (for an overlay over a numeric choropleth).
    name : str, optional
        Layer name in the layer control (defaults to the label).
    """
    categories = indicator.categories
    out = gdf.copy()
    colours = classify.category_colours(list(categories))
    if outline_only and "HZ" in colours:
        # A near-white outline would vanish in the legend: "hors zonage" gets a thin grey one.
        colours["HZ"] = OUTLINE_NEUTRAL
    values = out["value"].astype("object").where(out["value"].notna(), None)
    out["value"] = values
    out["class"] = pd.array([v if v in colours else None for v in values], dtype="string")
    out["colour"] = [colours.get(v) if v is not None else None for v in values]
    out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    missing = _missing_labels(out, out["value"].isna())
    shown = {v: capitalize(str(categories.get(v, v))) for v in dict.fromkeys(values) if v is not None}
    out["class_label"] = [m or shown[v] for m, v in zip(missing, values, strict=True)]
    out["value_label"] = out["class_label"]
    out["tip_name"] = _esc_column(out["name"])
    out["tip_code"] = _esc_column(out["code"])
    out["tip_value"] = _esc_column(out["class_label"])
    present = {v for v in values if v is not None}
    kind = "outline" if outline_only else "fill"
    items = [LegendItem(capitalize(lab), colours[c], kind) for c, lab in categories.items() if c in present]
    notes = tuple(n for n in (source_line(indicator.source, indicator.vintage), *indicator.notes) if n)
    return ChoroplethLayer(
        name=name or indicator.label,
        gdf=out,
        legend=LegendSpec(title=legend_title(indicator), items=tuple(items + _missing_items(missing)), notes=notes),
        tooltip_aliases={"tip_name": "Territoire", "tip_code": "Code", "tip_value": "Valeur"},
        outline_only=outline_only,
    )


def _frame_digest(frame: pd.DataFrame) -> str:
    """Digest of a frame's columns and values (not of its index)."""
    digest = hashlib.blake2b(repr(list(frame.columns)).encode(), digest_size=16)
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


# Main layers by content (a national commune layer is ~35,000 rows: few entries).
_MAIN_LAYERS: Memo[tuple[ChoroplethLayer, list[float]]] = Memo(4, "main layers", budget=memory.MAIN_LAYERS_BUDGET)


def main_layer(
    gdf: gpd.GeoDataFrame,
    indicator: IndicatorData,
    *,
    method: str,
    classes: int,
    palette: str,
    fixed_breaks: bool,
    region_names: Mapping[str, str],
) -> tuple[ChoroplethLayer, list[float]]:
    """The choropleth of ``indicator`` over ``gdf`` and its class edges (``[]`` for a categorical one).

    Remembered by content (shapes, codes, names, values, faded territories, indicator description, classes):
    a theme or status filter does not change the choropleth, so its rerun gets the very same layer, whose page
    text :class:`cnrmap.leaflet.compact.CompactChoropleth` then also remembers. Callers must not modify it.
    """
    columns = [c for c in ("code", "name", "value", "region_code", "dimmed", "missing_reason") if c in gdf.columns]
    france = indicator.france_values if fixed_breaks and indicator.kind == "numeric" else None
    basis = (indicator.values if france is None else france) if indicator.kind == "numeric" else None
    key = (
        topology.fingerprint(gdf.geometry.to_numpy()),
        _frame_digest(gdf[columns]),
        None if basis is None else _frame_digest(basis[["code", "value"]]),  # what the breaks are computed on
        indicator.description_key(), method, classes, palette, tuple(sorted(region_names.items())),
    )  # fmt: skip

    def compute() -> tuple[ChoroplethLayer, list[float]]:
        if indicator.kind != "numeric":
            layer, breaks = categorical_layer(gdf, indicator), []
        else:
            if indicator.diverging:  # a change: classes symmetric about zero, red to blue
                breaks = classify.diverging_breaks(basis["value"], method, classes)
            else:
                breaks = classify.compute_breaks(basis["value"], method, classes, integer=indicator.integer)
            layer = numeric_layer(
                gdf, indicator, breaks=breaks, method=method,
                palette=classify.DIVERGING_PALETTE if indicator.diverging else palette,
                fixed_breaks=france is not None, region_names=region_names,
            )  # fmt: skip
        layer.content_key = key
        return layer, breaks

    return _MAIN_LAYERS.get_or_compute(key, compute)


def overlay_layer(gdf: gpd.GeoDataFrame, indicator: IndicatorData) -> ChoroplethLayer | None:
    """The overlay drawn as coloured outlines; ``None`` for a numeric indicator (outlines cannot show classes)."""
    if indicator.kind != "categorical":
        return None
    return categorical_layer(gdf, indicator, outline_only=True, name=f"{indicator.label} (contours)")


# Border lines by shapes (departments and regions are drawn over and over: few distinct inputs).
_BORDERS: Memo[gpd.GeoDataFrame] = Memo(16, "borders", budget=memory.BORDERS_BUDGET)


def border_lines(gdf: gpd.GeoDataFrame, by: str | None = None) -> gpd.GeoDataFrame:
    """Borders as lines, each shared border once (half the payload of polygon outlines); grouped by ``by``."""
    key = topology.fingerprint(gdf.geometry.to_numpy(), by, list(gdf[by]) if by else None)
    return _BORDERS.get_or_compute(key, lambda: _compute_border_lines(gdf, by)).copy()


def _compute_border_lines(gdf: gpd.GeoDataFrame, by: str | None = None) -> gpd.GeoDataFrame:
    if by is not None:
        parts = []
        for _, group in gdf.groupby(by):
            try:
                parts.append(shapely.coverage_union_all(group.geometry.to_numpy()))
            except shapely.errors.GEOSException:
                parts.append(shapely.union_all(group.geometry.to_numpy()))
    else:
        parts = list(gdf.geometry)
    lines = shapely.line_merge(shapely.union_all(shapely.boundary([p for p in parts if p is not None])))
    return gpd.GeoDataFrame({"code": ["limites"]}, geometry=[lines], crs=gdf.crs)


def limit_layers(departments: gpd.GeoDataFrame, with_departments: bool) -> list[OutlineLayer]:
    """Department (when asked) and region limits over the map, from already simplified department shapes."""
    out = []
    if with_departments:
        out.append(OutlineLayer("Limites des départements", border_lines(departments), colour="#444444", weight=1.3))
    out.append(
        OutlineLayer("Limites des régions", border_lines(departments, "region_code"), colour="#222222", weight=2.2)
    )
    return out
