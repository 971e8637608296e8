"""Polygon layers on the map: the choropleth (GeoJson path), coloured outlines and administrative limits.

Every text that comes from data is escaped before it reaches the page.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import pandas as pd
import shapely

from cnrmap import memory
from cnrmap.geo import topology
from cnrmap.leaflet.legend import MISSING_COLOUR, MISSING_DASH, MISSING_OUTLINE, LegendSpec
from cnrmap.leaflet.raw import RawGeoJson
from cnrmap.memo import Memo

OUTLINE_NEUTRAL = "#9e9e9e"


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


def feature_collection(gdf: gpd.GeoDataFrame, properties: Sequence[str]) -> dict:
    """A GeoJSON FeatureCollection of the rows with a geometry, with these columns as properties."""
    features = []
    for row_props, geom in zip(
        gdf[list(properties)].to_dict("records") if properties else [{}] * len(gdf),
        gdf.geometry,
        strict=True,
    ):
        if geom is None or geom.is_empty:
            continue
        props = {k: (None if isna(v) else v) for k, v in row_props.items()}
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def isna(value: object) -> bool:
    """``pd.isna`` of a scalar, ``False`` for values it cannot judge (lists, dicts)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def feature_style(colour: str | None, faded: bool, outline_only: bool, highlighted: bool) -> dict:
    """Leaflet path style of one territory (``colour`` None = missing value)."""
    if outline_only:
        if colour is None:
            return {
                "color": MISSING_OUTLINE,
                "weight": 0.6,
                "dashArray": MISSING_DASH,
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
            "fillColor": MISSING_COLOUR,
            "fillOpacity": 0.25 if faded else 0.8,
            "color": MISSING_OUTLINE,
            "weight": 1,
            "dashArray": MISSING_DASH,
        }
    return {
        "fillColor": colour,
        "fillOpacity": 0.2 if faded else 0.85,
        "color": "#222222" if highlighted and not faded else "#ffffff",
        "weight": 2 if highlighted and not faded else 0.6,
    }


HIGHLIGHT_STYLE = {"weight": 3, "color": "#000000"}


def geojson_element(layer: ChoroplethLayer) -> RawGeoJson:
    """The layer as a plain GeoJson element (one feature per territory, its tooltip as properties)."""
    gdf = layer.gdf
    colours = dict(zip(gdf["code"], gdf["colour"], strict=True))
    dimmed = dict(zip(gdf["code"], gdf["dimmed"], strict=True)) if "dimmed" in gdf.columns else {}
    highlighted = bool(dimmed) and not all(dimmed.values())

    def style(feature: dict) -> dict:
        code = feature["properties"]["code"]
        colour = colours.get(code)
        colour = None if isna(colour) else colour
        return feature_style(colour, bool(dimmed.get(code, False)), layer.outline_only, highlighted)

    def highlight(feature: dict) -> dict:
        return dict(HIGHLIGHT_STYLE)

    tip_columns = [c for c in layer.tooltip_aliases if c in gdf.columns]
    data = feature_collection(gdf, ["code", *tip_columns])
    tooltip = folium.GeoJsonTooltip(
        fields=tip_columns,
        aliases=[layer.tooltip_aliases[c] for c in tip_columns],
        sticky=True,
        localize=False,
        labels=True,
        style="max-width: 340px; white-space: normal; font-size: 12px;",
    )
    return RawGeoJson(
        data,
        name=html.escape(layer.name),
        style_function=style,
        highlight_function=highlight,
        tooltip=tooltip,
    )


def outline_element(layer: OutlineLayer) -> RawGeoJson:
    """Limits as a non-interactive GeoJson element (their GeoJSON remembered by geometry digest)."""
    key = topology.fingerprint(layer.gdf.geometry.to_numpy())
    data = _OUTLINES.get_or_compute(key, lambda: feature_collection(layer.gdf, []))
    colour, weight = layer.colour, layer.weight
    return RawGeoJson(
        data,
        name=html.escape(layer.name),
        style_function=lambda _f: {"color": colour, "weight": weight, "fill": False, "opacity": 0.9},
        interactive=False,
    )


# The outline layers' GeoJSON by geometry digest (folium only reads it).
_OUTLINES: Memo[dict] = Memo(16, "outlines", budget=memory.OUTLINES_BUDGET)
