"""The map's background: the offline Natural Earth base (default), online OpenStreetMap tiles, or white.

The offline base is a sea-coloured map background with land drawn below every data layer, in its own pane;
inset frames (overseas departments, Paris) are drawn above it and below the choropleth. Online tiles are an
explicit choice: only then does the map credit OpenStreetMap and CARTO.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
from jinja2 import Template

from cnrmap.geo import topology
from cnrmap.geo.basemap import ATTRIBUTION, BaseLand
from cnrmap.leaflet.raw import RawMacro

SEA_COLOUR = "#dce8f1"
FRANCE_LAND = "#f7f6f2"
OTHER_LAND = "#e6e5e0"
COAST_COLOUR = "#9fb2c3"
PAPER_COLOUR = "#ffffff"

# Light online basemap (raster tiles only: no script is loaded from there).
POSITRON_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
POSITRON_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)
ONLINE_NAME = "Fond OpenStreetMap (internet)"

# Panes below Leaflet's overlay pane (400): land, then inset frames.
BASE_PANE, FRAME_PANE = "cnrmapBase", "cnrmapFrames"


class OfflineBase(RawMacro):
    """Sea as the map's background, land and country borders from the embedded Natural Earth base."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            map.getContainer().style.background = {{ this.sea|tojson }};
            map.createPane({{ this.pane|tojson }}).style.zIndex = 200;
            {{ this.decoder }}
            var enc = {{ this.encoded }};
            var france = {{ this.france }};
            var geoms = cnrmapDecode(enc), features = [];
            for (var i = 0; i < geoms.length; i++) {
                if (geoms[i]) { features.push({type: "Feature", properties: {fr: france[i]}, geometry: geoms[i]}); }
            }
            L.geoJson(features, {
                pane: {{ this.pane|tojson }}, interactive: false, attribution: {{ this.attribution|tojson }},
                style: function (f) {
                    return {fillColor: f.properties.fr ? {{ this.france_land|tojson }} : {{ this.other_land|tojson }},
                            fillOpacity: 1, color: {{ this.coast|tojson }}, weight: 0.7, opacity: 1};
                }
            }).addTo(map);
        })();
        {% endmacro %}
        """
    )

    payload_fields = ("encoded",)  # moved to a served file by the Carte page (:mod:`cnrmap.leaflet.page`)

    def __init__(self, land: BaseLand):
        super().__init__()
        self._name = "OfflineBase"
        self.decoder = topology.DECODER_JS
        self.encoded = json.dumps(land.encoded, separators=(",", ":"))
        self.france = json.dumps([1 if f else 0 for f in land.france], separators=(",", ":"))
        self.sea, self.france_land, self.other_land, self.coast = SEA_COLOUR, FRANCE_LAND, OTHER_LAND, COAST_COLOUR
        self.pane, self.attribution = BASE_PANE, ATTRIBUTION


class PlainBackground(RawMacro):
    """A plain background colour (white without base, as printed)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.getContainer().style.background = {{ this.colour|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, colour: str = PAPER_COLOUR):
        super().__init__()
        self._name = "PlainBackground"
        self.colour = colour


class InsetFrames(RawMacro):
    """The frames of the insets: filled with the background colour, thin dark border, below the data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            if (!map.getPane({{ this.pane|tojson }})) { map.createPane({{ this.pane|tojson }}).style.zIndex = 350; }
            L.geoJson({{ this.data }}, {
                pane: {{ this.pane|tojson }}, interactive: false,
                style: function () {
                    return {fillColor: {{ this.fill|tojson }}, fillOpacity: 1, color: "#555555", weight: 1, opacity: 1};
                }
            }).addTo(map);
        })();
        {% endmacro %}
        """
    )

    payload_fields = ("data",)

    def __init__(self, frames: gpd.GeoDataFrame, fill: str):
        super().__init__()
        self._name = "InsetFrames"
        self.data = frames[["key", "geometry"]].to_json(drop_id=True)
        self.fill = fill
        self.pane = FRAME_PANE


def online_tiles() -> folium.TileLayer:
    """CARTO's light OpenStreetMap tiles, credited on the map."""
    return folium.TileLayer(
        tiles=POSITRON_URL,
        attr=POSITRON_ATTRIBUTION,
        name=ONLINE_NAME,
        control=False,
        max_zoom=19,
        subdomains="abcd",
    )
