"""A choropleth of thousands of territories sent as shared arcs and decoded in the browser."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import shapely
from jinja2 import Template

from cnrmap import memory
from cnrmap.geo import topology
from cnrmap.leaflet.choropleth import HIGHLIGHT_STYLE, ChoroplethLayer, feature_style
from cnrmap.leaflet.raw import RawMacro
from cnrmap.memo import Memo


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
    arcs_folder: Path | None = None,
) -> tuple[int, str, str, list]:
    """What :class:`CompactChoropleth` puts in the page: points, encoded geometries, data JSON, bounds."""
    highlighted = any(dimmed) and not all(dimmed)
    styles: list[dict] = []
    style_index: dict[tuple[str | None, bool], int] = {}
    per_feature = []
    for colour, faded in zip(colours, dimmed, strict=True):
        pair = (colour, bool(faded))
        if pair not in style_index:
            style = feature_style(colour, bool(faded), outline_only, highlighted)
            if style in styles:
                style_index[pair] = styles.index(style)
            else:
                style_index[pair] = len(styles)
                styles.append(style)
        per_feature.append(style_index[pair])
    tips = [{"k": html.escape(alias), **_tooltip_column(values, codes)} for alias, values in tip_values]
    encoded = topology.encode_coverage_cached(geoms, arcs_folder)
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


# CompactChoropleth's page text by exact inputs or caller's key (a national layer is a few MB: few entries).
_COMPACT: Memo[tuple[int, str, str, list]] = Memo(6, "compact choropleth", budget=memory.COMPACT_BUDGET)


class CompactChoropleth(folium.map.Layer, RawMacro):
    """A choropleth of thousands of territories, sent as shared arcs and decoded in the browser.

    Same look and behaviour as the GeoJson path of :func:`build_map` (style, missing values grey and dashed,
    hover highlight, sticky tooltip table, ``properties.code`` on each feature for the click), but every
    border is sent once as quantised integers (:mod:`cnrmap.geo.topology`), the tooltip rows are built in the
    browser from dictionary-coded columns, and each feature carries only its code.

    Parameters
    ----------
    layer : ChoroplethLayer
        Geometries already simplified and rounded (:func:`simplify_for_scale`).
    outline_min_zoom : float, optional
        Zoom from which territory outlines are drawn (none below); ``None``: always.
    arcs_folder : Path, optional
        Where encodings are kept between processes (:func:`cnrmap.geo.topology.encode_coverage_cached`).
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
            var map = {{ this._parent.get_name() }}, thin = {{ this.outline_min_zoom|tojson }};
            function bare() { return thin !== null && map.getZoom() < thin; }
            var layer = L.geoJson(features, {
                style: function (f) {
                    var s = data.styles[data.style[f.id]];
                    // At national scale thousands of outlines would wash the colours out: none until zoomed in.
                    return bare() && s.fillOpacity > 0 ? Object.assign({}, s, {weight: 0, opacity: 0}) : s;
                }
            });
            if (thin !== null) {
                var wasBare = bare();
                map.on("zoomend", function () {
                    if (bare() !== wasBare) { wasBare = bare(); layer.setStyle(layer.options.style); }
                });
            }
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

    # JSON put in the script as is; the Carte page moves them to served files (:mod:`cnrmap.leaflet.page`).
    payload_fields = ("encoded_json", "data_json")

    def __init__(self, layer: ChoroplethLayer, outline_min_zoom: float | None = None, arcs_folder: Path | None = None):
        super().__init__(name=html.escape(layer.name), overlay=True, control=True, show=True)
        self.outline_min_zoom = outline_min_zoom
        self._name = "CompactChoropleth"
        self.decoder = topology.DECODER_JS
        # Memo key: the caller's content key when given, else the exact inputs (tuples compare element by
        # element; the geometry part is the shapes' digest). A filter rerun with the same choropleth gets
        # the same text without any JSON encoding.
        key = None if layer.content_key is None else ("layer", layer.content_key)
        cached = None if key is None else _COMPACT.get(key)
        if cached is None:
            inputs = _compact_inputs(layer)
            if key is None:
                key = (topology.fingerprint(inputs[0]), *inputs[1:])
            cached = _COMPACT.get_or_compute(key, lambda: _compact_payload(*inputs, arcs_folder))
        self.points, self.encoded_json, self.data_json, self._bounds = cached

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds
