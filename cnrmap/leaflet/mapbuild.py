"""Build the folium map from plain inputs: choropleth, overlay, points, outlines, legends.

Only plain Leaflet features are used (GeoJson, CircleMarker, Tooltip, Popup, LayerControl, HTML legends),
so the map needs nothing but Leaflet and jQuery (see :mod:`cnrmap.leaflet.assets`). Every text that comes from
data is escaped here with :func:`html.escape` before it reaches the page.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.utilities import JsCode
from jinja2 import Template
from pyproj import CRS
from shapely.errors import GEOSException

from cnrmap import vocab
from cnrmap.carte import classify
from cnrmap.geo import topology

# Built once: parsing "EPSG:4326" into a pyproj CRS costs a few milliseconds per call.
WGS84 = CRS.from_epsg(4326)
WEB_MERCATOR = CRS.from_epsg(3857)

MISSING_LABEL = "donnée manquante"

OUTLINE_NEUTRAL = "#9e9e9e"

# Light basemap (raster tiles only: no script is loaded from there).
POSITRON_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
POSITRON_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)

# By scale: simplification tolerance (Web Mercator metres, about one screen pixel at that scale), coordinate
# decimals, and the area (Web Mercator m²) under which islands are dropped (a feature keeps its largest part).
SCALES: dict[str, tuple[float, int, float]] = {
    "france": (2000.0, 3, 3e6),
    "region": (400.0, 4, 3e5),
    "departement": (60.0, 5, 0.0),
}


class _Raw(Element):
    """Text put in the page as is.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template: for a map script of megabytes that is
    most of the render time, and data that looks like Jinja (``{{``) would be evaluated.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _RawMacro(MacroElement):
    """``MacroElement.render`` without the template compilation of the rendered header, html and script."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                target.add_child(_Raw(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _GeoJson(folium.GeoJson, _RawMacro):
    """``folium.GeoJson`` rendered through :class:`_RawMacro` (its data can be large)."""


@dataclass(frozen=True)
class LegendItem:
    """One legend row.

    ``kind`` is ``fill`` (filled square), ``missing`` (grey, dashed outline), ``outline`` (coloured outline),
    ``point``, ``point_wide`` (hollow dashed circle) or ``point_small``.
    """

    label: str
    colour: str
    kind: str = "fill"


@dataclass(frozen=True)
class LegendSpec:
    """A legend box: title, rows, and notes (unit, vintage, source, method)."""

    title: str
    items: tuple[LegendItem, ...]
    notes: tuple[str, ...] = ()


@dataclass
class ChoroplethLayer:
    """A polygon layer ready to draw.

    ``gdf`` has ``code``, ``name``, ``colour`` (``None`` for a missing value) and ``tip_*`` text columns
    (already escaped) shown in the tooltip with ``tooltip_aliases``; optional ``dimmed`` (bool) fades a
    territory (cross-reading filters). ``outline_only`` draws coloured outlines instead of fills (overlay).
    ``content_key``, when given, stands for everything drawn (same key, same page text): the caller that
    remembers layers passes it so that the page text is found without reading the columns again.
    """

    name: str
    gdf: gpd.GeoDataFrame
    legend: LegendSpec
    tooltip_aliases: dict[str, str] = field(default_factory=dict)
    outline_only: bool = False
    compact: bool = False  # sent as shared arcs (:class:`CompactChoropleth`) even under COMPACT_MIN_FEATURES
    content_key: Hashable | None = None


@dataclass(frozen=True)
class OutlineLayer:
    """Administrative limits drawn over everything, not interactive."""

    name: str
    gdf: gpd.GeoDataFrame
    colour: str = "#333333"
    weight: float = 1.0


def ordinal(n: int) -> str:
    """French ordinal for a rank: ``1er``, ``2e``…"""
    return "1er" if n == 1 else f"{n}e"


def format_value(value: float | None, unit: str = "", decimals: int | None = None) -> str:
    """A value with its unit, French style; « donnée manquante » when missing."""
    if value is None or pd.isna(value):
        return MISSING_LABEL
    text = classify.format_number(value, decimals)
    return f"{text} {unit}".strip() if unit else text


def ranks(values: pd.Series) -> pd.Series:
    """Rank 1 = highest value among the non-missing ones (ties share the best rank); ``<NA>`` if missing."""
    r = pd.to_numeric(values, errors="coerce").rank(method="min", ascending=False)
    return r.astype("Int64")


def _esc(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _esc_column(values: pd.Series) -> list[str]:
    """:func:`_esc` of every value of a column (vectorised missing-value test)."""
    text = values.astype("string").fillna("")
    special = text.str.contains(r"[&<>\"']", regex=True).to_numpy(dtype=bool)
    out = text.tolist()
    for i in special.nonzero()[0].tolist():
        out[i] = html.escape(out[i], quote=True)
    return out


def numeric_layer(
    gdf: gpd.GeoDataFrame,
    *,
    breaks: Sequence[float],
    palette: str,
    label: str,
    unit: str = "",
    vintage: str = "",
    source: str = "",
    method: str = "quantiles",
    fixed_breaks: bool = False,
    references: Mapping[str, float] | None = None,
    region_names: Mapping[str, str] | None = None,
) -> ChoroplethLayer:
    """Classify a numeric indicator and prepare its tooltip and legend.

    Parameters
    ----------
    gdf : GeoDataFrame
        ``code``, ``name``, ``value`` (NaN when missing), ``geometry``; optional ``region_code`` (for the
        region reference value) and ``dimmed``.
    breaks : sequence of float
        Class edges from :func:`cnrmap.carte.classify.compute_breaks`.
    palette : str
        A key of :data:`cnrmap.carte.classify.PALETTES`.
    label, unit, vintage, source : str
        Indicator description for the legend and tooltip.
    method : str
        Classification method (key of :data:`cnrmap.carte.classify.METHODS`), named in the legend.
    fixed_breaks : bool
        Whether the breaks were computed over all of France (said in the legend).
    references : mapping, optional
        Reference values by region code and ``"FR"``.
    region_names : mapping, optional
        Region names by code, for the tooltip.

    Returns
    -------
    ChoroplethLayer
        With columns ``class`` (nullable Int), ``rank``, ``colour`` added.
    """
    out = gdf.copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    n_classes = max(len(breaks) - 1, 1) if breaks else 0
    colours = classify.palette_colours(palette, n_classes) if n_classes else []
    out["class"] = classify.assign_classes(out["value"], breaks)
    out["colour"] = [colours[int(c)] if pd.notna(c) and colours else None for c in out["class"]]
    out["rank"] = ranks(out["value"])
    shown = int(out["value"].notna().sum())
    refs = dict(references or {})
    decimals = value_decimals(pd.concat([out["value"], pd.Series(list(refs.values()), dtype=float)]))
    names = dict(region_names or {})
    out["tip_name"] = _esc_column(out["name"])
    out["tip_code"] = _esc_column(out["code"])
    out["tip_value"] = [format_value(v, unit, decimals) for v in out["value"]]
    out["tip_rank"] = [f"{ordinal(int(r))} sur {shown}" if pd.notna(r) else "—" for r in out["rank"]]
    aliases = {
        "tip_name": "Territoire",
        "tip_code": "Code",
        "tip_value": "Valeur",
        "tip_rank": "Rang (du plus élevé)",
    }
    if "region_code" in out.columns and refs:
        region_ref = []
        for rc in out["region_code"]:
            if rc in refs:
                region_ref.append(f"{format_value(refs[rc], unit, decimals)} ({_esc(names.get(rc, rc))})")
            else:
                region_ref.append("—")
        out["tip_region"] = region_ref
        aliases["tip_region"] = "Région"
    if "FR" in refs:
        out["tip_france"] = format_value(refs["FR"], unit, decimals)
        aliases["tip_france"] = "France"
    labels = classify.class_labels(breaks)
    items = [LegendItem(lab, col) for lab, col in zip(labels, colours, strict=False)]
    if out["value"].isna().any():
        items.append(LegendItem(MISSING_LABEL, classify.MISSING_COLOUR, "missing"))
    notes = [f"Unité : {unit}" if unit else "", _source_line(source, vintage)]
    scope = "toute la France (cartes comparables)" if fixed_breaks else "territoires affichés"
    notes.append(f"Classes : {classify.METHODS.get(method, method)}, calculées sur {scope}")
    return ChoroplethLayer(
        name=label,
        gdf=out,
        legend=LegendSpec(title=label, items=tuple(items), notes=tuple(n for n in notes if n)),
        tooltip_aliases=aliases,
    )


def categorical_layer(
    gdf: gpd.GeoDataFrame,
    *,
    categories: Mapping[str, str],
    label: str,
    vintage: str = "",
    source: str = "",
    outline_only: bool = False,
    name: str | None = None,
) -> ChoroplethLayer:
    """Colour territories by category (e.g. GP zoning ZIP / ZAC / ZAR / HZ / ND).

    Parameters
    ----------
    gdf : GeoDataFrame
        ``code``, ``name``, ``value`` (category code, missing allowed), ``geometry``.
    categories : mapping
        Category code → French label, in legend order.
    label, vintage, source : str
        Indicator description.
    outline_only : bool
        Draw coloured outlines (for an overlay over a numeric choropleth).
    name : str, optional
        Layer name in the layer control (defaults to ``label``).

    Returns
    -------
    ChoroplethLayer
    """
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
    out["tip_name"] = _esc_column(out["name"])
    out["tip_code"] = _esc_column(out["code"])
    shown_labels = {v: _esc(categories.get(v, v)) for v in dict.fromkeys(values) if v is not None}
    out["tip_value"] = [shown_labels[v] if v is not None else MISSING_LABEL for v in values]
    aliases = {"tip_name": "Territoire", "tip_code": "Code", "tip_value": "Valeur"}
    present = {v for v in values if v is not None}
    kind = "outline" if outline_only else "fill"
    items = [LegendItem(lab, colours[c], kind) for c, lab in categories.items() if c in present]
    if any(v is None for v in values):
        items.append(LegendItem(MISSING_LABEL, classify.MISSING_COLOUR, "missing"))
    notes = tuple(n for n in (_source_line(source, vintage),) if n)
    return ChoroplethLayer(
        name=name or label,
        gdf=out,
        legend=LegendSpec(title=label, items=tuple(items), notes=notes),
        tooltip_aliases=aliases,
        outline_only=outline_only,
    )


def value_decimals(values: pd.Series) -> int:
    """Decimals to show for an indicator: 0 for whole numbers, else 1 (2 under 10)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty or (v == v.round()).all():
        return 0
    return 2 if v.abs().max() < 10 else 1


def _source_line(source: str, vintage: str) -> str:
    if source and vintage and vintage not in source:
        return f"Source : {source} ({vintage})"
    if source:
        return f"Source : {source}"
    return f"Millésime : {vintage}" if vintage else ""


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
    simplified = _SIMPLIFIED.get(key)
    if simplified is None:
        simplified = simplify_geometries(geoms, scale)
        _SIMPLIFIED[key] = simplified
        while len(_SIMPLIFIED) > _SIMPLIFIED_MAX:
            _SIMPLIFIED.pop(next(iter(_SIMPLIFIED)))
    return out.set_geometry(gpd.GeoSeries(simplified, index=out.index, crs=WGS84))


# Memo of simplify_for_scale: digest of the input geometries and scale -> simplified geometries.
_SIMPLIFIED: dict[str, np.ndarray] = {}
_SIMPLIFIED_MAX = 12


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


def _feature_collection(gdf: gpd.GeoDataFrame, properties: Sequence[str]) -> dict:
    features = []
    for row_props, geom in zip(
        gdf[list(properties)].to_dict("records") if properties else [{}] * len(gdf),
        gdf.geometry,
        strict=True,
    ):
        if geom is None or geom.is_empty:
            continue
        props = {k: (None if _isna(v) else v) for k, v in row_props.items()}
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _feature_style(colour: str | None, faded: bool, outline_only: bool, highlighted: bool) -> dict:
    """Leaflet path style of one territory (``colour`` None = missing value)."""
    if outline_only:
        if colour is None:
            return {
                "color": classify.MISSING_OUTLINE,
                "weight": 0.6,
                "dashArray": classify.MISSING_DASH,
                "fill": True,
                "fillOpacity": 0,
            }
        return {
            "color": colour,
            "weight": 1 if colour == OUTLINE_NEUTRAL else 2.5,
            "opacity": 0.35 if faded else 1,
            "fill": True,
            "fillOpacity": 0,
        }
    if colour is None:
        return {
            "fillColor": classify.MISSING_COLOUR,
            "fillOpacity": 0.25 if faded else 0.8,
            "color": classify.MISSING_OUTLINE,
            "weight": 1,
            "dashArray": classify.MISSING_DASH,
        }
    return {
        "fillColor": colour,
        "fillOpacity": 0.2 if faded else 0.85,
        "color": "#222222" if highlighted and not faded else "#ffffff",
        "weight": 2 if highlighted and not faded else 0.6,
    }


HIGHLIGHT_STYLE = {"weight": 3, "color": "#000000"}
# Above this many territories the choropleth is sent as shared arcs (:class:`CompactChoropleth`).
COMPACT_MIN_FEATURES = 300


def _choropleth_geojson(layer: ChoroplethLayer) -> _GeoJson | CompactChoropleth:
    gdf = layer.gdf
    if layer.compact or len(gdf) > COMPACT_MIN_FEATURES:
        return CompactChoropleth(layer)
    colours = dict(zip(gdf["code"], gdf["colour"], strict=True))
    dimmed = dict(zip(gdf["code"], gdf["dimmed"], strict=True)) if "dimmed" in gdf.columns else {}
    highlighted = bool(dimmed) and not all(dimmed.values())

    def style(feature: dict) -> dict:
        code = feature["properties"]["code"]
        colour = colours.get(code)
        colour = None if _isna(colour) else colour
        return _feature_style(colour, bool(dimmed.get(code, False)), layer.outline_only, highlighted)

    def highlight(feature: dict) -> dict:
        return dict(HIGHLIGHT_STYLE)

    tip_columns = [c for c in layer.tooltip_aliases if c in gdf.columns]
    data = _feature_collection(gdf, ["code", *tip_columns])
    tooltip = folium.GeoJsonTooltip(
        fields=tip_columns,
        aliases=[layer.tooltip_aliases[c] for c in tip_columns],
        sticky=True,
        localize=False,
        labels=True,
        style="max-width: 340px; white-space: normal; font-size: 12px;",
    )
    return _GeoJson(
        data,
        name=html.escape(layer.name),
        style_function=style,
        highlight_function=highlight,
        tooltip=tooltip,
    )


def _compact_json(value: object) -> str:
    """JSON for a script block: UTF-8 kept as is (4× smaller than ``\\u`` escapes), ``<`` escaped."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _tooltip_column(values: Sequence[str], codes: Sequence[str]) -> dict:
    """One tooltip column, dictionary-coded when values repeat (category labels, reference values)."""
    values = list(values)
    if values == list(codes):
        return {"c": 1}
    distinct = list(dict.fromkeys(values))
    if len(distinct) * 3 <= len(values):
        index = {v: i for i, v in enumerate(distinct)}
        return {"d": distinct, "i": [index[v] for v in values]}
    return {"v": values}


def _objects(values: pd.Series) -> list:
    """Python values of a column, missing ones (NaN, NA, None) as ``None``."""
    return values.astype(object).where(values.notna(), None).tolist()


def _strings(values: pd.Series) -> list[str]:
    """A column as strings, missing values as ``""``."""
    return ["" if v is None else str(v) for v in _objects(values)]


def _compact_payload(
    geoms: np.ndarray,
    codes: tuple[str, ...],
    colours: tuple[str | None, ...],
    dimmed: tuple[bool, ...],
    tip_values: tuple[tuple[str, tuple[str, ...]], ...],
    outline_only: bool,
) -> tuple[int, str, str, list]:
    """What :class:`CompactChoropleth` puts in the page: points, encoded geometries, data JSON, bounds."""
    highlighted = any(dimmed) and not all(dimmed)
    styles: list[dict] = []
    style_index: dict[tuple[str | None, bool], int] = {}
    per_feature = []
    for colour, faded in zip(colours, dimmed, strict=True):
        pair = (colour, bool(faded))
        if pair not in style_index:
            style = _feature_style(colour, bool(faded), outline_only, highlighted)
            if style in styles:
                style_index[pair] = styles.index(style)
            else:
                style_index[pair] = len(styles)
                styles.append(style)
        per_feature.append(style_index[pair])
    tips = [{"k": html.escape(alias), **_tooltip_column(values, codes)} for alias, values in tip_values]
    encoded = topology.encode_coverage_cached(geoms)
    data_json = _compact_json(
        {"codes": list(codes), "style": per_feature, "styles": styles, "tips": tips, "highlight": HIGHLIGHT_STYLE}
    )
    encoded_json = _compact_json({k: encoded[k] for k in ("q", "a", "f")})
    bounds = shapely.total_bounds(geoms) if len(geoms) else None
    box = (
        [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
        if bounds is not None and np.all(np.isfinite(bounds))
        else [[None, None], [None, None]]
    )
    return encoded["points"], encoded_json, data_json, box


def _compact_inputs(layer: ChoroplethLayer) -> tuple:
    """What :func:`_compact_payload` needs from a layer: geometries, codes, colours, fading, tooltip columns."""
    gdf = layer.gdf
    codes = tuple(_strings(gdf["code"]))
    colours = tuple(None if c is None else str(c) for c in _objects(gdf["colour"]))
    dimmed = tuple(gdf["dimmed"].astype(bool).tolist()) if "dimmed" in gdf.columns else (False,) * len(gdf)
    tip_values = tuple(
        (alias, tuple(_strings(gdf[column])))
        for column, alias in layer.tooltip_aliases.items()
        if column in gdf.columns
    )
    return gdf.geometry.to_numpy(), codes, colours, dimmed, tip_values, layer.outline_only


# Memo of CompactChoropleth's page text by exact inputs or caller's key (a national layer is a few MB: few entries).
_COMPACT: dict[tuple, tuple[int, str, str, list]] = {}
_COMPACT_MAX = 6


class CompactChoropleth(folium.map.Layer, _RawMacro):
    """A choropleth of thousands of territories, sent as shared arcs and decoded in the browser.

    Same look and behaviour as the GeoJson path of :func:`build_map` (style, missing values grey and dashed,
    hover highlight, sticky tooltip table, ``properties.code`` on each feature for the click), but every
    border is sent once as quantised integers (:mod:`cnrmap.geo.topology`), the tooltip rows are built in the
    browser from dictionary-coded columns, and each feature carries only its code.

    Parameters
    ----------
    layer : ChoroplethLayer
        Geometries already simplified and rounded (:func:`simplify_for_scale`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.decoder }}
            var enc = {{ this.encoded_json }};
            var data = {{ this.data_json }};
            var geoms = cnrmapDecode(enc), features = [];
            for (var i = 0; i < geoms.length; i++) {
                if (geoms[i]) {
                    features.push({type: "Feature", id: i, properties: {code: data.codes[i]}, geometry: geoms[i]});
                }
            }
            function cell(col, i) {
                if (col.c) { return data.codes[i]; }
                return col.d ? col.d[col.i[i]] : col.v[i];
            }
            var layer = L.geoJson(features, {
                style: function (f) { return data.styles[data.style[f.id]]; }
            });
            layer.bindTooltip(function (l) {
                var rows = "";
                for (var k = 0; k < data.tips.length; k++) {
                    rows += "<tr><th style=\\"text-align:left;padding:2px 8px 2px 2px\\">" + data.tips[k].k
                        + "</th><td>" + cell(data.tips[k], l.feature.id) + "</td></tr>";
                }
                return "<div style=\\"max-width:340px;white-space:normal;font-size:12px\\"><table>"
                    + rows + "</table></div>";
            }, {sticky: true});
            layer.on("mouseover", function (e) { e.layer.setStyle(data.highlight); });
            layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
            return layer;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: ChoroplethLayer):
        super().__init__(name=html.escape(layer.name), overlay=True, control=True, show=True)
        self._name = "CompactChoropleth"
        self.decoder = topology.DECODER_JS
        # Memo key: the caller's content key when given, else the exact inputs (tuples compare element by
        # element; the geometry part is the shapes' digest). A filter rerun with the same choropleth gets
        # the same text without any JSON encoding.
        key = None if layer.content_key is None else ("layer", layer.content_key)
        cached = None if key is None else _COMPACT.pop(key, None)
        if cached is None:
            inputs = _compact_inputs(layer)
            if key is None:
                key = (topology.fingerprint(inputs[0]), *inputs[1:])
                cached = _COMPACT.pop(key, None)
            if cached is None:
                cached = _compact_payload(*inputs)
        _COMPACT[key] = cached  # most recently used last
        while len(_COMPACT) > _COMPACT_MAX:
            _COMPACT.pop(next(iter(_COMPACT)))
        self.points, self.encoded_json, self.data_json, self._bounds = cached

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds


def _outline_geojson(layer: OutlineLayer) -> _GeoJson:
    key = topology.fingerprint(layer.gdf.geometry.to_numpy())
    data = _OUTLINES.get(key)
    if data is None:
        data = _feature_collection(layer.gdf, [])
        _OUTLINES[key] = data
        while len(_OUTLINES) > 16:
            _OUTLINES.pop(next(iter(_OUTLINES)))
    colour, weight = layer.colour, layer.weight
    return _GeoJson(
        data,
        name=html.escape(layer.name),
        style_function=lambda _f: {"color": colour, "weight": weight, "fill": False, "opacity": 0.9},
        interactive=False,
    )


# Memo of the outline layers' GeoJSON by geometry digest (folium only reads it).
_OUTLINES: dict[str, dict] = {}


def project_popup_html(row: Mapping[str, object]) -> str:
    """Popup content of a project; every field is escaped."""
    theme = vocab.THEME_SHORT.get(str(row.get("theme")), row.get("theme"))
    status = vocab.STATUSES.get(str(row.get("status")), row.get("status"))
    date = row.get("status_date")
    status_text = _esc(status) + (f" ({_esc(date)})" if not _isna(date) and date else "")
    place = row.get("place") or vocab.LOCATION_PRECISIONS.get(str(row.get("location_precision")), "")
    lines = [
        f"<b>{_esc(row.get('title'))}</b>",
        f"Thème : {_esc(theme)}",
        f"Statut : {status_text}",
        f"Lieu : {_esc(place)}",
    ]
    summary = row.get("summary")
    if summary and not _isna(summary):
        text = str(summary)
        text = text if len(text) <= 300 else text[:297] + "…"
        lines.append(f"<span style='color:#444'>{_esc(text)}</span>")
    lines.append(f"<small>Source : {_esc(row.get('source'))}</small>")
    return "<br>".join(lines)


def meeting_popup_html(row: Mapping[str, object]) -> str:
    """Popup content of a meeting; every field is escaped."""
    kind = vocab.MEETING_KINDS.get(str(row.get("kind")), row.get("kind"))
    date = row.get("date")
    lines = [
        f"<b>{_esc(kind)}</b>",
        f"Lieu : {_esc(row.get('place'))}",
        f"Date : {_esc(date) if date and not _isna(date) else 'non précisée'}",
        f"<small>Source : {_esc(row.get('source'))}</small>",
    ]
    return "<br>".join(lines)


_BIND_POINT = JsCode(
    """function (feature, layer) {
        layer.bindPopup(feature.properties.popup, {maxWidth: 320});
        layer.bindTooltip(feature.properties.tip);
    }"""
)


def _point_row(key: str, row: Mapping[str, object], popup: str, tip: str) -> dict:
    return {
        "key": key,
        "lat": round(float(row["lat"]), 5),
        "lon": round(float(row["lon"]), 5),
        "popup": popup,
        "tip": tip,
    }


def _points_geojson(rows: list[dict], name: str, styles: dict[str, dict]) -> _GeoJson:
    """Points as one GeoJson layer: popups and tooltips are (escaped) feature properties, bound in JS.

    Points sharing a position are spread on a small ring first (:func:`spread_duplicates`).
    """
    features = [
        {
            "type": "Feature",
            "id": row["key"],
            "properties": {"popup": row["popup"], "tip": row["tip"]},
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        }
        for row in spread_duplicates(rows)
    ]
    return _GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        marker=folium.CircleMarker(radius=6),
        style_function=lambda f: styles[f["id"]],
        on_each_feature=_BIND_POINT,
    )


def _project_layer(projects: pd.DataFrame) -> folium.GeoJson:
    located = projects.dropna(subset=["lat", "lon"])
    wide = located["location_precision"].eq("departement")
    rows, styles = [], {}
    # Department-wide projects first, so that precise points are drawn on top.
    for i, row in enumerate(pd.concat([located[wide], located[~wide]]).to_dict("records")):
        key = f"p{i}"
        colour = classify.STATUS_COLOURS.get(str(row["status"]), "#ffffff")
        if row["location_precision"] == "departement":
            styles[key] = {
                "radius": 13,
                "color": _dark(colour),
                "weight": 2,
                "dashArray": "5 4",
                "fill": True,
                "fillColor": colour,
                "fillOpacity": 0.25,
            }
        else:
            styles[key] = {
                "radius": 7,
                "color": "#222222",
                "weight": 1.5,
                "fill": True,
                "fillColor": colour,
                "fillOpacity": 0.95,
            }
        rows.append(_point_row(key, row, project_popup_html(row), _esc(row.get("title"))))
    return _points_geojson(rows, "Projets du CNR santé", styles)


SPREAD_RADIUS_DEG = 0.05


def spread_duplicates(rows: list[dict], radius: float = SPREAD_RADIUS_DEG) -> list[dict]:
    """Move points that share a position onto a small ring around it, so that each stays clickable.

    Display only: several projects of one commune, or department-wide projects that share the
    department's point, would otherwise hide each other. The data keep their coordinates.
    """
    groups: dict[tuple[float, float], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["lat"], row["lon"]), []).append(row)
    out = []
    for (lat, lon), members in groups.items():
        n = len(members)
        for i, row in enumerate(members):
            if n == 1:
                out.append(row)
                continue
            angle = 2 * math.pi * i / n
            shifted = {
                "lat": round(lat + radius * math.sin(angle), 5),
                "lon": round(lon + radius * math.cos(angle) / max(math.cos(math.radians(lat)), 0.1), 5),
            }
            out.append(row | shifted)
    return out


def _dark(colour: str) -> str:
    return "#444444" if colour.lower() == "#ffffff" else colour


def _meeting_layer(meetings: pd.DataFrame) -> folium.GeoJson:
    rows, styles = [], {}
    for i, row in enumerate(meetings.dropna(subset=["lat", "lon"]).to_dict("records")):
        key = f"m{i}"
        styles[key] = {
            "radius": 4,
            "color": "#ffffff",
            "weight": 1.5,
            "fill": True,
            "fillColor": classify.MEETING_COLOUR,
            "fillOpacity": 1,
        }
        rows.append(_point_row(key, row, meeting_popup_html(row), _esc(row.get("place"))))
    return _points_geojson(rows, "Réunions du CNR santé", styles)


def points_legend(projects: pd.DataFrame | None, meetings: pd.DataFrame | None) -> LegendSpec | None:
    """Legend of the point layers actually drawn."""
    items: list[LegendItem] = []
    if projects is not None and len(projects):
        for status, label in vocab.STATUSES.items():
            if (projects["status"] == status).any():
                items.append(LegendItem(f"Projet : {label.lower()}", classify.STATUS_COLOURS[status], "point"))
        if (projects["location_precision"] == "departement").any():
            items.append(LegendItem("Projet à l'échelle du département", "#444444", "point_wide"))
    if meetings is not None and len(meetings):
        items.append(LegendItem("Réunion du CNR santé", classify.MEETING_COLOUR, "point_small"))
    if not items:
        return None
    return LegendSpec(title="CNR santé 2022-2023", items=tuple(items))


class Legend(_RawMacro):
    """A plain HTML legend drawn as a Leaflet control (no external CSS or JS)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create("div", "cnrmap-legend");
            div.style.cssText = {{ this.box_style|tojson }};
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: LegendSpec, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.spec = spec
        self.position = position
        self.html = legend_html(spec)
        self.box_style = _BOX_STYLE


# Inline styles only: streamlit-folium keeps the map's scripts but not the page header.
_BOX_STYLE = (
    "background:rgba(255,255,255,0.93);padding:6px 9px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.35);"
    "font:12px/1.35 Arial,Helvetica,sans-serif;color:#222;max-width:260px"
)
_ROW = "display:flex;align-items:center;margin:2px 0"
_SWATCH = "display:inline-block;width:16px;height:12px;margin-right:6px;flex:none;box-sizing:border-box;"


class _WhiteBackground(_RawMacro):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.getContainer().style.background = "#ffffff";
        {% endmacro %}
        """
    )


def _swatch(item: LegendItem) -> str:
    c = html.escape(item.colour)
    if item.kind == "missing":
        style = f"background:{c};border:1.5px dashed {classify.MISSING_OUTLINE}"
    elif item.kind == "outline":
        style = f"background:#fff;border:2.5px solid {c}"
    elif item.kind == "point":
        style = f"background:{c};border:1.5px solid #222;border-radius:50%;width:12px"
    elif item.kind == "point_wide":
        style = f"background:transparent;border:2px dashed {c};border-radius:50%;width:16px;height:16px"
    elif item.kind == "point_small":
        style = f"background:{c};border:1px solid #fff;border-radius:50%;width:8px;height:8px;margin:0 10px 0 4px"
    else:
        style = f"background:{c};border:1px solid #bbb"
    return f'<span style="{_SWATCH}{style}"></span>'


def legend_html(spec: LegendSpec) -> str:
    """HTML of a legend box (escaped text)."""
    parts = [f'<div style="font-weight:bold;margin-bottom:3px">{html.escape(spec.title)}</div>']
    for item in spec.items:
        parts.append(f'<div style="{_ROW}">{_swatch(item)}<span>{html.escape(item.label)}</span></div>')
    for note in spec.notes:
        parts.append(f'<div style="color:#555;font-size:11px;margin-top:3px">{html.escape(note)}</div>')
    return "".join(parts)


def build_map(
    main: ChoroplethLayer | None = None,
    *,
    overlay: ChoroplethLayer | None = None,
    outlines: Sequence[OutlineLayer] = (),
    projects: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
    basemap: bool = True,
    bounds: Sequence[float] | None = None,
    prefer_canvas: bool = False,
) -> folium.Map:
    """Assemble the map.

    Parameters
    ----------
    main : ChoroplethLayer, optional
        The choropleth (from :func:`numeric_layer` or :func:`categorical_layer`); geometries should already be
        simplified (:func:`simplify_for_scale`).
    overlay : ChoroplethLayer, optional
        A second layer drawn as coloured outlines over the main one, with its own legend.
    outlines : sequence of OutlineLayer
        Region/department limits, drawn with or without basemap.
    projects, meetings : DataFrame, optional
        Point layers (columns as in :mod:`cnrmap.curated.load`; ``place`` optional for projects).
    basemap : bool
        Light CartoDB Positron tiles; ``False`` for a plain white background.
    bounds : sequence of float, optional
        ``(minx, miny, maxx, maxy)`` in degrees to fit; defaults to the main layer's bounds.
    prefer_canvas : bool
        Draw vectors on a canvas (faster with thousands of communes).

    Returns
    -------
    folium.Map
        Loads only Leaflet and jQuery (call :func:`cnrmap.leaflet.assets.use_local_assets` to serve them locally).
    """
    from cnrmap.leaflet.assets import use_local_assets

    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=prefer_canvas, zoom_snap=0.25)
    if bounds is None and main is not None and not main.gdf.empty:
        bounds = tuple(main.gdf.total_bounds)
    if bounds is not None and all(np.isfinite(bounds)):
        # Fit first: layers added afterwards are projected once, at the final zoom (not again on a zoom change).
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    if basemap:
        folium.TileLayer(
            tiles=POSITRON_URL,
            attr=POSITRON_ATTRIBUTION,
            name="Fond de carte (CartoDB Positron)",
            control=False,
            max_zoom=19,
            subdomains="abcd",
        ).add_to(m)
    if main is not None:
        _choropleth_geojson(main).add_to(m)
        Legend(main.legend, "bottomright").add_to(m)
    if overlay is not None:
        _choropleth_geojson(overlay).add_to(m)
        Legend(overlay.legend, "bottomright").add_to(m)
    if outlines:
        group = folium.FeatureGroup(name="Limites administratives")
        for layer in outlines:
            _outline_geojson(layer).add_to(group)
        group.add_to(m)
    if projects is not None and len(projects):
        _project_layer(projects).add_to(m)
    if meetings is not None and len(meetings):
        _meeting_layer(meetings).add_to(m)
    spec = points_legend(projects, meetings)
    if spec is not None:
        Legend(spec, "bottomleft").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if not basemap:
        _WhiteBackground().add_to(m)
    use_local_assets(m)
    return m
