"""Place names drawn on the map: each shown from its ``min_zoom`` on (:func:`cnrmap.geo.labels.place_labels`).

Labels are plain Leaflet markers with a text ``divIcon`` in their own pane, above the polygons and below
the point symbols; they do not catch the mouse, so a click on a name reaches the territory under it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
from jinja2 import Template

from cnrmap.geo.labels import LINE_HEIGHT, Label
from cnrmap.leaflet.raw import RawMacro, root_map

LABEL_PANE = "cnrmapLabels"
FONT = "'Liberation Sans', Arial, Helvetica, sans-serif"
# Text with a white halo, readable over any class colour.
_HALO = "0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 1px 1px 0 #fff, -1px -1px 0 #fff"
_STYLES = {
    "inset": "font-weight:bold;color:#333333",
    "place": "font-weight:bold;color:#000000",
    "code": "font-weight:bold;color:#1f2328",
    "prefecture": "font-weight:600;color:#2b2b2b",
    "commune": "font-weight:600;color:#2b2b2b",
}


def label_rows(labels: Sequence[Label]) -> list[list]:
    """``[lat, lon, min_zoom, kind, size, dx, dy, text]`` per label (the text is escaped in the browser)."""
    return [
        [round(lb.lat, 5), round(lb.lon, 5), lb.min_zoom, lb.kind, lb.size, round(lb.offset[0], 1),
         round(lb.offset[1], 1), lb.text]
        for lb in labels
    ]  # fmt: skip


def label_styles() -> dict[str, str]:
    """Inline style of each kind of label (streamlit-folium keeps the map's scripts, not its stylesheets)."""
    base = f"font-family:{FONT};line-height:{LINE_HEIGHT};text-shadow:{_HALO};white-space:nowrap;"
    return {kind: base + style for kind, style in _STYLES.items()}


class PlaceLabels(folium.map.Layer, RawMacro):
    """The labels of a map, shown or hidden on each zoom change by comparing the zoom with their ``min_zoom``.

    A layer group added to its parent (the map, or a feature group the page sends apart from the map); it follows
    the zoom only while it is on the map. Not listed in the layer control.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this.map_name() }};
            var pane = map.getPane({{ this.pane|tojson }}) || map.createPane({{ this.pane|tojson }});
            pane.style.zIndex = 450;
            pane.style.pointerEvents = "none";
            var rows = {{ this.rows }}, styles = {{ this.styles }}, group = L.layerGroup(), markers = [];
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i], span = document.createElement("span");
                span.className = "cnrmap-label-text cnrmap-label-" + r[3];
                span.style.cssText = (styles[r[3]] || "") + ";font-size:" + r[4] + "px;position:absolute;left:0;top:0;"
                    + "transform:translate(calc(-50% + " + r[5] + "px),calc(-50% + " + r[6] + "px))";
                span.textContent = r[7];
                var icon = L.divIcon({className: "cnrmap-label", html: span, iconSize: null});
                markers.push(L.marker([rows[i][0], rows[i][1]], {icon: icon, pane: {{ this.pane|tojson }},
                                                                interactive: false, keyboard: false}));
            }
            function refresh() {
                var z = map.getZoom() + 1e-6;
                for (var k = 0; k < rows.length; k++) {
                    var shown = z >= rows[k][2];
                    if (shown && !group.hasLayer(markers[k])) { group.addLayer(markers[k]); }
                    else if (!shown && group.hasLayer(markers[k])) { group.removeLayer(markers[k]); }
                }
            }
            group.on("add", function () { map.on("zoomend", refresh); map.whenReady(refresh); });
            group.on("remove", function () { map.off("zoomend", refresh); });
            return group;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, labels: Sequence[Label]):
        super().__init__(name="Noms des lieux", overlay=True, control=False, show=True)
        self._name = "PlaceLabels"
        self.pane = LABEL_PANE
        self.rows = json.dumps(label_rows(labels), ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
        self.styles = json.dumps(label_styles(), separators=(",", ":"))

    def map_name(self) -> str:
        """The JavaScript name of the map the labels are written on."""
        return root_map(self).get_name()
