"""The one place that relies on folium/branca internals: render large elements without Jinja compilation.

branca compiles every element's text as a Jinja template: for a map script of megabytes that is most of the
render time, and data that looks like Jinja (``{{``) would be evaluated. ``tests/test_leaflet_raw.py`` fails
loudly if an installed folium/branca changes what this module relies on.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import folium
from branca.element import Element, MacroElement


class RawElement(Element):
    """Text put in the page as is.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template: for a map script of megabytes that is
    most of the render time, and data that looks like Jinja (``{{``) would be evaluated.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class RawMacro(MacroElement):
    """``MacroElement.render`` without the template compilation of the rendered header, html and script."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                target.add_child(RawElement(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class RawGeoJson(folium.GeoJson, RawMacro):
    """``folium.GeoJson`` rendered through :class:`RawMacro` (its data can be large)."""


def walk(element: Element) -> Iterator[Element]:
    """``element`` and all its descendants (branca keeps children in the private ``_children`` dict)."""
    stack = [element]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(getattr(current, "_children", {}).values())))


def copy_sharing_data(m: folium.Map) -> folium.Map:
    """A deep copy of a map whose elements share their ``data`` (GeoJSON dicts, read only) with the original.

    ``st_folium`` rewrites the element ids of the map it is given: handing it a remembered map breaks the next
    page that shows the same view. This copy costs milliseconds instead of copying megabytes of GeoJSON.
    """
    shared: dict[int, Any] = {}
    for element in walk(m.get_root()):
        data = getattr(element, "data", None)
        if isinstance(data, dict | list):
            shared[id(data)] = data
    return copy.deepcopy(m, shared)


def detach(m: folium.Map, types: tuple[type, ...]) -> list[Element]:
    """Remove the map's direct children of ``types`` and return them, in drawing order.

    The page hands the point layers and names to streamlit-folium apart from the map (``feature_group_to_add``):
    they are taken out of a copy of the assembled map (branca keeps children in the ordered ``_children`` dict).
    """
    taken = [(name, child) for name, child in m._children.items() if isinstance(child, types)]
    for name, _ in taken:
        del m._children[name]
    return [child for _, child in taken]


def link_geojson(element: folium.GeoJson, url: str) -> None:
    """Have a GeoJson element load its data from ``url`` instead of embedding it.

    folium's own non-embedded mode (``embed=False``, the data read by a synchronous jQuery request at ``embed_link``);
    its data stays on the element for the style functions, which folium applies in Python.
    """
    element.embed = False
    element.embed_link = url


def declare_bounds(m: folium.Map) -> None:
    """Have ``m.get_bounds()`` answer the bounds the map fits instead of walking every coordinate of its layers.

    ``st_folium`` calls ``get_bounds()`` at each rerun for the default of its ``bounds`` value, even when that value
    is not returned: folium then iterates every coordinate of every GeoJSON on the map (France by commune: a
    tenth of a second of each rerun). A map that fits no bounds (``fit_bounds`` adds a ``FitBounds`` child) is
    left as it is.
    """
    fit = next((child for child in m._children.values() if isinstance(child, folium.map.FitBounds)), None)
    if fit is not None:
        bounds = [list(corner) for corner in fit.bounds]
        m.get_bounds = lambda: [list(corner) for corner in bounds]


def root_map(element: Element) -> folium.Map:
    """The map an element is drawn on, through any feature group between them (``_parent`` chain)."""
    current = element
    while current is not None and not isinstance(current, folium.Map):
        current = current._parent
    if current is None:
        raise ValueError(f"{element.get_name()!r} is not on a map")
    return current


def add_before_layer_control(m: folium.Map, element: MacroElement) -> None:
    """Add ``element`` to an assembled map, before its layer control.

    The layer control's script names every layer it lists: a layer whose script comes after it is still undefined
    there and the map fails to draw. Children render in insertion order (branca keeps an ordered dict).
    """
    element.add_to(m)
    for name, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            m._children.move_to_end(name)
