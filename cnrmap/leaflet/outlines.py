"""Labelled outlines: the territories a document figure names, drawn as a dashed outline with a label."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import shapely
import shapely.ops
from folium.utilities import JsCode

from cnrmap.leaflet.choropleth import feature_collection
from cnrmap.leaflet.raw import RawGeoJson

MARK_COLOUR = "#5a189a"

_BIND_OUTLINE = JsCode(
    """function (feature, layer) {
        layer.bindTooltip(feature.properties.label, {sticky: true});
        layer.bindPopup(feature.properties.popup, {maxWidth: 380});
    }"""
)
_BIND_LABEL = JsCode(
    """function (feature, layer) {
        layer.bindPopup(feature.properties.popup, {maxWidth: 380});
    }"""
)
# Inline styles only (streamlit-folium keeps the map's scripts, not the page's style sheets). The icon box is
# Leaflet's default 12×12 centred on the point: the label is centred on the box's centre.
_LABEL_STYLE = (
    "position:absolute;left:6px;top:6px;transform:translate(-50%,-50%);white-space:nowrap;"
    "background:rgba(255,255,255,0.92);border:1px solid {colour};border-radius:3px;padding:1px 5px;"
    "font:12px/1.3 Arial,Helvetica,sans-serif;color:#222;box-shadow:0 1px 3px rgba(0,0,0,.3)"
)


def label_point(geometry: shapely.Geometry) -> shapely.Point:
    """Where a label reads best: the point farthest inside the largest part (pole of inaccessibility)."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    largest = max(parts, key=lambda g: g.area)
    if largest.geom_type != "Polygon" or largest.area == 0:
        return shapely.point_on_surface(geometry)
    return shapely.ops.polylabel(largest, tolerance=max(largest.length / 500, 1e-5))


def labelled_outlines(
    gdf: gpd.GeoDataFrame, name: str, colour: str = MARK_COLOUR, permanent: bool = True
) -> folium.FeatureGroup:
    """``gdf`` (``label`` and ``popup`` as plain text, ``geometry``) as dashed outlines with their label.

    ``permanent``: the label is written on the map (a text marker inside each territory, which keeps its place when
    the map is resized); otherwise it shows on hover (a national view, where labels would cover each other). Only
    the outline is interactive (no fill): a click inside still reaches the territory below. Text is escaped here.
    """
    out = gdf.reset_index(drop=True).assign(
        label=[html.escape(str(t)) for t in gdf["label"]],
        popup=[html.escape(str(t)).replace("\n", "<br>") for t in gdf["popup"]],
    )
    group = folium.FeatureGroup(name=html.escape(name))
    RawGeoJson(
        feature_collection(out, ["label", "popup"]),
        style_function=lambda _f: {"color": colour, "weight": 2.5, "dashArray": "6 4", "fill": False, "opacity": 1},
        on_each_feature=_BIND_OUTLINE,
        control=False,
    ).add_to(group)
    if permanent:
        style = _LABEL_STYLE.format(colour=colour)
        points = [label_point(g) for g in out.geometry]
        features = [
            {
                "type": "Feature",
                "id": f"label-{i}",
                "properties": {"html": f'<div style="{style}">{label}</div>', "popup": popup},
                "geometry": shapely.geometry.mapping(point),
            }
            for i, (label, popup, point) in enumerate(zip(out["label"], out["popup"], points, strict=True))
        ]
        RawGeoJson(
            {"type": "FeatureCollection", "features": features},
            marker=folium.Marker(icon=folium.DivIcon(class_name="cnrmap-label")),
            style_function=lambda f: {"html": f["properties"]["html"]},
            on_each_feature=_BIND_LABEL,
            control=False,
        ).add_to(group)
    return group
