"""Labelled outlines: territories named by a figure, drawn as a dashed outline with a permanent label."""

from __future__ import annotations

import html

import geopandas as gpd
from folium.utilities import JsCode

from cnrmap.leaflet.choropleth import feature_collection
from cnrmap.leaflet.raw import RawGeoJson

MARK_COLOUR = "#5a189a"

_BIND_LABEL = JsCode(
    """function (feature, layer) {
        layer.bindTooltip(feature.properties.label, {permanent: true, direction: "center", opacity: 0.92});
        layer.bindPopup(feature.properties.popup, {maxWidth: 380});
    }"""
)


def labelled_outlines(gdf: gpd.GeoDataFrame, name: str, colour: str = MARK_COLOUR) -> RawGeoJson:
    """``gdf`` (``label`` and ``popup`` as plain text, ``geometry``) as dashed outlines with permanent labels.

    Only the outline is interactive (no fill): a click inside still reaches the territory below. Label and popup
    text is escaped here.
    """
    out = gdf.assign(
        label=[html.escape(str(t)) for t in gdf["label"]],
        popup=[html.escape(str(t)).replace("\n", "<br>") for t in gdf["popup"]],
    )
    return RawGeoJson(
        feature_collection(out, ["label", "popup"]),
        name=html.escape(name),
        style_function=lambda _f: {"color": colour, "weight": 2.5, "dashArray": "6 4", "fill": False, "opacity": 1},
        on_each_feature=_BIND_LABEL,
    )
