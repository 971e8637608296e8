"""Generate the embedded offline base map (land and countries) from the npm package ``world-atlas``.

``world-atlas`` 2.0.2 (ISC licence) ships Natural Earth's countries (public domain) as TopoJSON. This script
decodes ``countries-10m.json``, keeps the windows a France map can show (mainland France and its
neighbours, the Caribbean around Guadeloupe and Martinique, Guyane's neighbourhood, the Indian Ocean
around La Réunion and Mayotte), simplifies and rounds the shapes, and writes them in the compact arc
encoding of :mod:`cnrmap.geo.topology` to ``geo/embedded/basemap.json``::

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m tools.embed_basemap "$PWD/package/countries-10m.json"    # from the repository root
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry

from cnrmap.config import get_settings
from cnrmap.geo import topology
from tools.embed_boundaries import _decode_arcs, read_topology

# (name, lon/lat box, simplification tolerance in degrees, decimals kept)
WINDOWS: tuple[tuple[str, tuple[float, float, float, float], float, int], ...] = (
    ("europe", (-13.0, 35.0, 17.0, 57.0), 0.0015, 3),
    ("antilles", (-63.6, 13.6, -59.6, 17.4), 0.001, 3),
    ("guyane", (-56.5, 1.0, -50.5, 6.6), 0.0015, 3),
    ("reunion", (54.8, -22.0, 58.2, -19.6), 0.001, 3),
    ("mayotte", (42.8, -14.0, 46.2, -11.2), 0.001, 3),
)
SOURCE = (
    "Natural Earth 1:10m Admin 0 – Countries (domaine public), via le paquet npm world-atlas 2.0.2 "
    "(licence ISC), fichier countries-10m.json"
)


def _ring(indexes: Sequence[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    coords: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        coords.extend(arc if not coords else arc[1:])
    return coords


def countries(topology_json: dict) -> list[tuple[str, shapely.Geometry]]:
    """``(name, shape)`` of every country of the topology."""
    arcs = _decode_arcs(topology_json)
    out = []
    for geometry in topology_json["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polys = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polys = geometry["arcs"]
        else:
            continue
        parts = [
            shapely.Polygon(_ring(p[0], arcs), [r for r in (_ring(h, arcs) for h in p[1:]) if len(r) >= 4])
            for p in polys
            if len(_ring(p[0], arcs)) >= 4
        ]
        if not parts:
            continue
        shape = shapely.make_valid(shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0])
        out.append((str((geometry.get("properties") or {}).get("name", "")), shape))
    return out


def clip_windows(shapes: list[tuple[str, shapely.Geometry]]) -> tuple[list[str], list[shapely.Geometry]]:
    """The shapes of each window, simplified and rounded (names prefixed with the window)."""
    names, geoms = [], []
    for window, box, tolerance, decimals in WINDOWS:
        frame = shapely.box(*box)
        for name, shape in shapes:
            if not shape.intersects(frame):
                continue
            part = shapely.intersection(shape, frame)
            part = shapely.simplify(part, tolerance, preserve_topology=True)
            part = shapely.set_precision(part, 10**-decimals)
            polys = [g for g in shapely.get_parts(part) if g.geom_type == "Polygon" and g.area > tolerance**2]
            if not polys:
                continue
            names.append(f"{window}:{name}")
            geoms.append(polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys))
    return names, geoms


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.embed_basemap",
        description="Génère geo/embedded/basemap.json (fond de carte hors ligne) depuis world-atlas.",
    )
    parser.add_argument("topology", type=Path, help="countries-10m.json du paquet npm world-atlas")
    parser.add_argument("--root", type=Path, default=None, help="dossier du projet (défaut : celui de cnrmap)")
    args = parser.parse_args(argv)
    names, geoms = clip_windows(countries(read_topology(args.topology)))
    encoded = topology.encode_coverage(np.asarray(geoms, dtype=object), decimals=3)
    payload = {
        "source": SOURCE,
        "names": names,
        "france": [name.split(":", 1)[1] == "France" for name in names],
        "q": encoded["q"],
        "a": encoded["a"],
        "f": encoded["f"],
    }
    root = args.root or get_settings().root
    target = root / "geo/embedded/basemap.json"
    target.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    size = target.stat().st_size
    print(f"{target.relative_to(root)} : {len(names)} pays×fenêtres, {encoded['points']} points, {size} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
