"""Legends: their content (:class:`LegendSpec`) and their HTML (inline styles only), shown beside the map."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from cnrmap.leaflet.points import donut_svg

# Territories with no value: light grey with a dashed outline (the legend swatch and the map agree).
MISSING_COLOUR = "#d9d9d9"
MISSING_OUTLINE = "#555555"
MISSING_DASH = "4 3"


@dataclass(frozen=True)
class LegendItem:
    """One legend row.

    ``kind`` is ``fill`` (filled square), ``missing`` (grey, dashed outline), ``outline`` (coloured outline),
    ``point``, ``point_small``, ``group`` (count symbol of several projects at one place) or ``wide`` (count
    symbol of a department's department-wide projects, dashed border).
    """

    label: str
    colour: str
    kind: str = "fill"


@dataclass(frozen=True)
class LegendSpec:
    """A legend box: title, rows, and notes (unit, vintage, source, method)."""

    title: str
    items: tuple[LegendItem, ...]
    notes: tuple[str, ...] = ()


_ROW = "display:flex;align-items:center;margin:2px 0"


_SWATCH = "display:inline-block;width:16px;height:12px;margin-right:6px;flex:none;box-sizing:border-box;"


# Sample status split of the count symbols in the legend (realised, in progress, not stated).
_SAMPLE_PARTS = (("#009e73", 2), ("#cc79a7", 1), ("#ffffff", 1))


def _swatch(item: LegendItem) -> str:
    c = html.escape(item.colour)
    if item.kind in ("group", "wide"):
        # An image, not inline SVG: pages that sanitise HTML (Streamlit's st.html) keep images, drop SVG.
        svg = donut_svg(_SAMPLE_PARTS, 20, dashed=item.kind == "wide")
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
        return f'<img src="{src}" alt="" width="20" height="20" style="margin-right:6px;flex:none">'

    if item.kind == "missing":
        style = f"background:{c};border:1.5px dashed {MISSING_OUTLINE}"
    elif item.kind == "outline":
        style = f"background:#fff;border:2.5px solid {c}"
    elif item.kind == "point":
        style = f"background:{c};border:1.5px solid #222;border-radius:50%;width:12px"
    elif item.kind == "point_small":
        style = f"background:{c};border:1px solid #fff;border-radius:50%;width:8px;height:8px;margin:0 10px 0 4px"
    else:
        style = f"background:{c};border:1px solid #bbb"
    return f'<span style="{_SWATCH}{style}"></span>'


def legend_html(spec: LegendSpec) -> str:
    """HTML of a legend box (escaped text)."""
    parts = [f'<div style="font-weight:bold;margin-bottom:3px">{html.escape(spec.title)}</div>']
    for item in spec.items:
        parts.append(f'<div style="{_ROW}">{_swatch(item)}<span>{html.escape(item.label)}</span></div>')
    for note in spec.notes:
        parts.append(f'<div style="color:#555;font-size:11px;margin-top:3px">{html.escape(note)}</div>')
    return "".join(parts)
