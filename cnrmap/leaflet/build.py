"""Assemble the folium map from prepared layers (only plain Leaflet features: served offline).

Drawing order, bottom to top: background (offline land, online tiles or white), inset frames, the
choropleth, the overlay, administrative limits, the searched place's outline, place names, point symbols.
Legends are not drawn on the map: the page and the exports put them beside it
(:func:`cnrmap.leaflet.legend.legend_html`), where they hide nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
from jinja2 import Template

from cnrmap.geo.basemap import BaseLand
from cnrmap.geo.labels import Label
from cnrmap.leaflet import base
from cnrmap.leaflet.assets import use_local_assets
from cnrmap.leaflet.choropleth import ChoroplethLayer, OutlineLayer, geojson_element, outline_element
from cnrmap.leaflet.compact import CompactChoropleth
from cnrmap.leaflet.labels import PlaceLabels
from cnrmap.leaflet.points import PointLayer, point_element
from cnrmap.leaflet.raw import RawMacro

# Above this many territories the choropleth is sent as shared arcs (:class:`CompactChoropleth`).
COMPACT_MIN_FEATURES = 300


def choropleth_element(
    layer: ChoroplethLayer, outline_min_zoom: float | None = None, arcs_folder: Path | None = None
) -> folium.map.Layer:
    """The element that draws ``layer``: shared arcs for many territories, plain GeoJson otherwise."""
    if layer.compact or len(layer.gdf) > COMPACT_MIN_FEATURES:
        return CompactChoropleth(layer, outline_min_zoom=outline_min_zoom, arcs_folder=arcs_folder)
    return geojson_element(layer)


class MetricScale(RawMacro):
    """Leaflet's scale bar in kilometres only."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class FocusWithoutScroll(RawMacro):
    """Leaflet focuses the map on a mouse press (for its keyboard controls); the page around a map frame then
    scrolls the frame into view between the press and the release, and the click lands elsewhere. The map still
    takes the focus, without scrolling anything."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (container) {
            var focus = container.focus;
            container.focus = function (options) {
                focus.call(container, Object.assign({preventScroll: true}, options || {}));
            };
        })({{ this._parent.get_name() }}.getContainer());
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FocusWithoutScroll"


def build_map(
    main: ChoroplethLayer | None = None,
    *,
    overlay: ChoroplethLayer | None = None,
    outlines: Sequence[OutlineLayer] = (),
    points: Sequence[PointLayer] = (),
    basemap: str = "clair",
    land: BaseLand | None = None,
    frames: gpd.GeoDataFrame | None = None,
    labels: Sequence[Label] = (),
    highlight: OutlineLayer | None = None,
    bounds: Sequence[float] | None = None,
    prefer_canvas: bool = False,
    outline_min_zoom: float | None = None,
    arcs_folder: Path | None = None,
) -> folium.Map:
    """Assemble the map.

    Parameters
    ----------
    main : ChoroplethLayer, optional
        The choropleth (:mod:`cnrmap.carte.layers`); geometries already simplified.
    overlay : ChoroplethLayer, optional
        A second layer drawn as coloured outlines over the main one.
    outlines : sequence of OutlineLayer
        Region/department limits.
    points : sequence of PointLayer
        Point layers, drawn over everything in this order.
    basemap : str
        ``clair`` (offline ``land``, sea-coloured background), ``osm`` (online tiles, credited) or ``aucun``.
    land : BaseLand, optional
        The offline base (:func:`cnrmap.geo.basemap.base_land`); without it ``clair`` draws a white background.
    frames : GeoDataFrame, optional
        Inset frames (:func:`cnrmap.geo.insets.frames`).
    labels : sequence of Label
        Place names with their ``min_zoom`` (:func:`cnrmap.geo.labels.place_labels`).
    highlight : OutlineLayer, optional
        The searched place's outline.
    bounds : sequence of float, optional
        ``(minx, miny, maxx, maxy)`` in degrees to fit; defaults to the main layer's bounds.
    prefer_canvas : bool
        Draw vectors on a canvas (faster with thousands of communes).
    outline_min_zoom : float, optional
        Zoom from which the choropleth's territory outlines are drawn (national commune maps: none below).
    arcs_folder : Path, optional
        Where arc encodings are kept between processes (:func:`cnrmap.geo.topology.encode_coverage_cached`).

    Returns
    -------
    folium.Map
        Loads only Leaflet and jQuery (:func:`cnrmap.leaflet.assets.use_local_assets`).
    """
    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=prefer_canvas, zoom_snap=0.25)
    if bounds is None and main is not None and not main.gdf.empty:
        bounds = tuple(main.gdf.total_bounds)
    if bounds is not None and all(np.isfinite(bounds)):
        # Fit first: layers added afterwards are projected once, at the final zoom (not again on a zoom change).
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    if basemap == "osm":
        base.online_tiles().add_to(m)
        base.PlainBackground().add_to(m)
    elif basemap == "clair" and land is not None:
        base.OfflineBase(land).add_to(m)
    else:
        base.PlainBackground().add_to(m)
    if frames is not None and not frames.empty:
        fill = base.SEA_COLOUR if basemap == "clair" and land is not None else base.PAPER_COLOUR
        base.InsetFrames(frames, fill).add_to(m)
    if main is not None:
        choropleth_element(main, outline_min_zoom, arcs_folder).add_to(m)
    if overlay is not None:
        choropleth_element(overlay, arcs_folder=arcs_folder).add_to(m)
    if outlines:
        group = folium.FeatureGroup(name="Limites administratives")
        for layer in outlines:
            outline_element(layer).add_to(group)
        group.add_to(m)
    if highlight is not None:
        outline_element(highlight).add_to(m)
    if labels:
        PlaceLabels(labels).add_to(m)
    for layer in points:
        point_element(layer).add_to(m)
    MetricScale().add_to(m)
    FocusWithoutScroll().add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    use_local_assets(m)
    return m


__all__ = ["COMPACT_MIN_FEATURES", "build_map", "choropleth_element"]
