"""Assemble the folium map from prepared layers (only plain Leaflet features: served offline)."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import numpy as np
from jinja2 import Template

from cnrmap.leaflet.assets import use_local_assets
from cnrmap.leaflet.choropleth import ChoroplethLayer, OutlineLayer, geojson_element, outline_element
from cnrmap.leaflet.compact import CompactChoropleth
from cnrmap.leaflet.legend import Legend, LegendSpec
from cnrmap.leaflet.points import PointLayer, point_element
from cnrmap.leaflet.raw import RawMacro

# Light basemap (raster tiles only: no script is loaded from there).
POSITRON_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
POSITRON_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)


# Above this many territories the choropleth is sent as shared arcs (:class:`CompactChoropleth`).
COMPACT_MIN_FEATURES = 300


def choropleth_element(layer: ChoroplethLayer) -> folium.map.Layer:
    """The element that draws ``layer``: shared arcs for many territories, plain GeoJson otherwise."""
    if layer.compact or len(layer.gdf) > COMPACT_MIN_FEATURES:
        return CompactChoropleth(layer)
    return geojson_element(layer)


class _WhiteBackground(RawMacro):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.getContainer().style.background = "#ffffff";
        {% endmacro %}
        """
    )


def build_map(
    main: ChoroplethLayer | None = None,
    *,
    overlay: ChoroplethLayer | None = None,
    outlines: Sequence[OutlineLayer] = (),
    points: Sequence[PointLayer] = (),
    points_legend: LegendSpec | None = None,
    basemap: bool = True,
    bounds: Sequence[float] | None = None,
    prefer_canvas: bool = False,
) -> folium.Map:
    """Assemble the map.

    Parameters
    ----------
    main : ChoroplethLayer, optional
        The choropleth (:mod:`cnrmap.carte.layers`); geometries already simplified
        (:func:`cnrmap.geo.simplify.simplify_for_scale`).
    overlay : ChoroplethLayer, optional
        A second layer drawn as coloured outlines over the main one, with its own legend.
    outlines : sequence of OutlineLayer
        Region/department limits, drawn with or without basemap.
    points : sequence of PointLayer
        Point layers, drawn over the polygons in this order.
    points_legend : LegendSpec, optional
        The legend of the points.
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
        choropleth_element(main).add_to(m)
        Legend(main.legend, "bottomright").add_to(m)
    if overlay is not None:
        choropleth_element(overlay).add_to(m)
        Legend(overlay.legend, "bottomright").add_to(m)
    if outlines:
        group = folium.FeatureGroup(name="Limites administratives")
        for layer in outlines:
            outline_element(layer).add_to(group)
        group.add_to(m)
    for layer in points:
        point_element(layer).add_to(m)
    if points_legend is not None:
        Legend(points_legend, "bottomleft").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if not basemap:
        _WhiteBackground().add_to(m)
    use_local_assets(m)
    return m
