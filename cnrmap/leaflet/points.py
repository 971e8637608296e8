"""Point layers: one GeoJson layer whose popups and tooltips are (escaped) feature properties."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import folium
from folium.utilities import JsCode

from cnrmap.leaflet.raw import RawGeoJson


@dataclass(frozen=True)
class PointLayer:
    """Points ready to draw: rows of ``key``, ``lat``, ``lon``, ``popup`` and ``tip`` (HTML, already escaped),
    and a Leaflet circle style per key."""

    name: str
    rows: list[dict]
    styles: dict[str, dict] = field(default_factory=dict)


_BIND_POINT = JsCode(
    """function (feature, layer) {
        layer.bindPopup(feature.properties.popup, {maxWidth: 320});
        layer.bindTooltip(feature.properties.tip);
    }"""
)


def point_row(key: str, row: Mapping[str, object], popup: str, tip: str) -> dict:
    """A row of :class:`PointLayer` from a data row with ``lat`` and ``lon``."""
    return {
        "key": key,
        "lat": round(float(row["lat"]), 5),
        "lon": round(float(row["lon"]), 5),
        "popup": popup,
        "tip": tip,
    }


def point_element(layer: PointLayer) -> RawGeoJson:
    """Points as one GeoJson layer: popups and tooltips are (escaped) feature properties, bound in JS.

    Points sharing a position are spread on a small ring first (:func:`spread_duplicates`).
    """
    features = [
        {
            "type": "Feature",
            "id": row["key"],
            "properties": {"popup": row["popup"], "tip": row["tip"]},
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        }
        for row in spread_duplicates(layer.rows)
    ]
    return RawGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=layer.name,
        marker=folium.CircleMarker(radius=6),
        style_function=lambda f, styles=layer.styles: styles[f["id"]],
        on_each_feature=_BIND_POINT,
    )


SPREAD_RADIUS_DEG = 0.05


def spread_duplicates(rows: list[dict], radius: float = SPREAD_RADIUS_DEG) -> list[dict]:
    """Move points that share a position onto a small ring around it, so that each stays clickable.

    Display only: several projects of one commune, or department-wide projects that share the
    department's point, would otherwise hide each other. The data keep their coordinates.
    """
    groups: dict[tuple[float, float], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["lat"], row["lon"]), []).append(row)
    out = []
    for (lat, lon), members in groups.items():
        n = len(members)
        for i, row in enumerate(members):
            if n == 1:
                out.append(row)
                continue
            angle = 2 * math.pi * i / n
            shifted = {
                "lat": round(lat + radius * math.sin(angle), 5),
                "lon": round(lon + radius * math.cos(angle) / max(math.cos(math.radians(lat)), 0.1), 5),
            }
            out.append(row | shifted)
    return out
