"""Place names drawn on the map: each shown from its ``min_zoom`` on (:func:`cnrmap.geo.labels.place_labels`).

Labels are plain Leaflet markers with a text ``divIcon`` in their own pane, above the polygons and below
the point symbols; they do not catch the mouse, so a click on a name reaches the territory under it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from jinja2 import Template

from cnrmap.geo.labels import LINE_HEIGHT, Label
from cnrmap.leaflet.raw import RawMacro

LABEL_PANE = "cnrmapLabels"
FONT = "'Liberation Sans', Arial, Helvetica, sans-serif"
# Text with a white halo, readable over any class colour.
_HALO = "0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 1px 1px 0 #fff, -1px -1px 0 #fff"
_STYLES = {
    "inset": "font-weight:bold;color:#333333",
    "place": "font-weight:bold;color:#000000;font-size:13px",
    "code": "font-weight:bold;color:#1f2328",
    "prefecture": "font-weight:600;color:#2b2b2b",
    "commune": "font-weight:600;color:#2b2b2b",
}


def label_rows(labels: Sequence[Label]) -> list[list]:
    """``[lat, lon, min_zoom, html]`` per label (text escaped, style inline, centred on point + offset)."""
    rows = []
    for label in labels:
        dx, dy = label.offset
        style = (
            f"font:{label.size}px/{LINE_HEIGHT} {FONT};{_STYLES.get(label.kind, '')};"
            f"text-shadow:{_HALO};white-space:nowrap;position:absolute;left:0;top:0;"
            f"transform:translate(calc(-50% + {dx:.1f}px),calc(-50% + {dy:.1f}px))"
        )
        text = html.escape(label.text)
        span = f'<span class="cnrmap-label-text cnrmap-label-{label.kind}" style="{style}">{text}</span>'
        rows.append([round(label.lat, 5), round(label.lon, 5), label.min_zoom, span])
    return rows


class PlaceLabels(RawMacro):
    """The labels of a map, shown or hidden on each zoom change by comparing the zoom with their ``min_zoom``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var pane = map.createPane({{ this.pane|tojson }});
            pane.style.zIndex = 450;
            pane.style.pointerEvents = "none";
            var rows = {{ this.rows }}, group = L.layerGroup(), markers = [];
            for (var i = 0; i < rows.length; i++) {
                var icon = L.divIcon({className: "cnrmap-label", html: rows[i][3], iconSize: null});
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
            map.on("zoomend", refresh);
            group.addTo(map);
            map.whenReady(refresh);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, labels: Sequence[Label]):
        super().__init__()
        self._name = "PlaceLabels"
        self.pane = LABEL_PANE
        self.rows = json.dumps(label_rows(labels), ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
