"""Point layers: circles for single places, count symbols (small donuts) for groups, with escaped popups.

A group — the department-wide projects of a department, or several projects of one commune — is one
symbol: an inline SVG ring split by status around the count. Plain Leaflet (``divIcon``), no plugin.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import folium
from jinja2 import Template

from cnrmap.geo.labels import SYMBOL_SCALES
from cnrmap.leaflet.raw import RawMacro, root_map


@dataclass(frozen=True)
class PointLayer:
    """Points ready to draw.

    ``rows`` hold ``key``, ``lat``, ``lon``, ``popup`` and ``tip`` (HTML, already escaped), and may hold ``ids``
    (the data rows a symbol stands for; not sent to the page); a row is drawn as
    the circle ``styles[key]`` (Leaflet circle options) or, when ``icons`` has its key, as that
    ``(svg, size)`` symbol.
    """

    name: str
    rows: list[dict]
    styles: dict[str, dict] = field(default_factory=dict)
    icons: dict[str, tuple[str, int]] = field(default_factory=dict)


def point_row(key: str, row: Mapping[str, object], popup: str, tip: str) -> dict:
    """A row of :class:`PointLayer` from a data row with ``lat`` and ``lon``."""
    return {
        "key": key,
        "lat": round(float(row["lat"]), 5),
        "lon": round(float(row["lon"]), 5),
        "popup": popup,
        "tip": tip,
    }


def donut_svg(parts: Sequence[tuple[str, int]], size: int, dashed: bool = False) -> str:
    """A ring split into ``parts`` (colour, count) around the total count: the symbol of a group.

    Parameters
    ----------
    parts : sequence of (str, int)
        Colours and counts, in drawing order (clockwise from the top); zero counts are skipped.
    size : int
        Width and height in pixels.
    dashed : bool
        Dashed outer border (department-wide projects), else solid.

    Returns
    -------
    str
        Standalone SVG markup (colours escaped).
    """
    total = sum(n for _, n in parts if n > 0)
    centre = size / 2
    ring = max(3.0, size * 0.17)
    radius = centre - ring / 2 - 1.5
    circumference = 2 * math.pi * radius
    segments, offset = [], 0.0
    for colour, count in parts:
        if count <= 0:
            continue
        length = circumference * count / total if total else 0.0
        segments.append(
            f'<circle cx="{centre}" cy="{centre}" r="{radius:.2f}" fill="none" stroke="{html.escape(colour)}" '
            f'stroke-width="{ring:.1f}" stroke-dasharray="{length:.2f} {circumference - length:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {centre} {centre})"/>'
        )
        offset += length
    border = 'stroke-dasharray="3 2"' if dashed else ""
    font = max(9, round(size * 0.42))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<circle cx="{centre}" cy="{centre}" r="{centre - 0.75}" fill="#ffffff" stroke="#222222" '
        f'stroke-width="1.3" {border}/>'
        + "".join(segments)
        + f'<circle cx="{centre}" cy="{centre}" r="{radius - ring / 2:.2f}" fill="#ffffff" stroke="#666666" '
        'stroke-width="0.6"/>'
        f'<text x="{centre}" y="{centre}" text-anchor="middle" dominant-baseline="central" '
        f'font-family="Liberation Sans, Arial, sans-serif" font-weight="bold" font-size="{font}" '
        f'fill="#111111">{total}</text></svg>'
    )


def _features(layer: PointLayer) -> list[dict]:
    features = []
    for row in layer.rows:
        props: dict[str, object] = {"popup": row["popup"], "tip": row["tip"]}
        icon = layer.icons.get(row["key"])
        if icon is not None:
            props["icon"], props["size"] = icon
        else:
            props["style"] = layer.styles.get(row["key"], {})
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            }
        )
    return features


class PointSymbols(folium.map.Layer, RawMacro):
    """One point layer: circle markers, or ``divIcon`` symbols for groups; popups and tooltips bound in JS.

    Added to its parent (the map, or a feature group the page sends apart from the map); symbols are resized
    on zoom changes while the layer is on the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this.map_name() }};
            // Smaller symbols at national scale, so that neighbouring ones do not cover each other.
            var scales = {{ this.scales|tojson }};
            function factor() {
                var z = map.getZoom(), k = scales[0][1];
                for (var i = 0; i < scales.length; i++) { if (scales[i][0] === null || z >= scales[i][0]) { k = scales[i][1]; } }
                return k;
            }
            // Circles in an SVG of their own, not in the canvas of a large choropleth: adding or removing them
            // would repaint every polygon under their bounds (35,000 for France). The SVG lets clicks it does not
            // paint through to the canvas below.
            if (!map._cnrmapPoints) {
                map._cnrmapPoints = L.svg();
                map._cnrmapPoints.on("add", function () { this._container.style.pointerEvents = "none"; });
            }
            var renderer = map._cnrmapPoints;
            var layer = L.geoJson({{ this.data }}, {
                pointToLayer: function (f, latlng) {
                    if (f.properties.icon) {
                        var s = f.properties.size;
                        return L.marker(latlng, {icon: L.divIcon({
                            html: '<div class="cnrmap-symbol-inner" style="width:' + s + 'px;height:' + s
                                + 'px;transform-origin:50% 50%">' + f.properties.icon + '</div>',
                            className: "cnrmap-symbol", iconSize: [s, s], iconAnchor: [s / 2, s / 2]}),
                            riseOnHover: true});
                    }
                    return L.circleMarker(latlng, L.extend({renderer: renderer}, f.properties.style));
                },
                onEachFeature: function (f, layer) {
                    layer.bindPopup(f.properties.popup, {maxWidth: 340, maxHeight: 320});
                    layer.bindTooltip(f.properties.tip);
                }
            });
            function resize() {
                var k = factor();
                layer.eachLayer(function (l) {
                    if (l.setRadius) { l.setRadius(l.feature.properties.style.radius * k); }
                    else if (l.getElement && l.getElement()) {
                        var inner = l.getElement().firstChild;
                        if (inner) { inner.style.transform = "scale(" + k + ")"; }
                    }
                });
            }
            layer.on("add", function () { map.on("zoomend", resize); resize(); });
            layer.on("remove", function () { map.off("zoomend", resize); });
            return layer;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: PointLayer):
        super().__init__(name=html.escape(layer.name), overlay=True, control=True, show=True)
        self._name = "PointSymbols"
        collection = {"type": "FeatureCollection", "features": _features(layer)}
        # Same sizes as the names' collision rule assumes (``-inf`` as null).
        self.scales = [[None if not math.isfinite(z) else z, k] for z, k in SYMBOL_SCALES]
        self.data = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")

    def map_name(self) -> str:
        """The JavaScript name of the map the layer is drawn on."""
        return root_map(self).get_name()


def point_element(layer: PointLayer) -> PointSymbols:
    """The element that draws a point layer."""
    return PointSymbols(layer)
