"""Rebuild the code tables the curated datasets are checked against (maintainers' tool).

``python -m tools.reference_tables --from PATH`` reads a folder laid out like the official sources'
mirror (``opendata/cog/communes.json``, ``france-geojson/departements.geojson``) and writes:

- ``data/reference/communes.csv``: the communes the curated datasets name (projects, meetings, the documents'
  figures; COG 2026);
- ``data/reference/arrondissements.csv``: the arrondissements the documents' figures name, with their number of
  communes (COG 2026: the ``arrondissement`` of each current commune);
- ``data/reference/departements_emprise.csv``: each department's bounding box (IGN ADMIN EXPRESS COG 2018).
- ``data/reference/prefectures.csv``: each department's chef-lieu (COG 2026), its population and a point inside
  its commune (IGN ADMIN EXPRESS COG 2018, ``france-geojson/departements/*/communes-*.geojson``), for the labels.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from cnrmap.config import Settings, get_settings
from cnrmap.curated.figures import codes_named
from cnrmap.curated.load import load_document_figures, load_meetings, load_projects
from cnrmap.geo.codes import department_of_commune

COG_SOURCE = "INSEE, Code officiel géographique 2026 (npm @etalab/decoupage-administratif 6.0.0, data/communes.json)"
PREFECTURE_SOURCE = (
    "INSEE COG 2026 (chef-lieu et population, npm @etalab/decoupage-administratif 6.0.0) ; point dans la "
    "commune : IGN ADMIN EXPRESS COG 2018 (france-geojson), centroïde ou point intérieur, au 1/1000e de degré"
)
BOUNDS_SOURCE = "IGN ADMIN EXPRESS COG 2018 (france-geojson, departements-avec-outre-mer.geojson), emprise arrondie au 1/100e de degré"


def referenced_commune_codes(settings: Settings) -> set[str]:
    projects, meetings = load_projects(settings), load_meetings(settings)
    codes = {c.strip() for cell in projects["commune_codes"] for c in cell.split(";") if c.strip()}
    codes |= codes_named(load_document_figures(settings), ["commune"])
    return codes | {c for c in meetings["commune_code"] if c}


def arrondissements_table(cog_communes: list[dict], codes: set[str]) -> pd.DataFrame:
    """Arrondissements named by the figures: code, department, number of current communes."""
    counts: dict[str, tuple[str, int]] = {}
    for commune in cog_communes:
        code = commune.get("arrondissement")
        if commune["type"] == "commune-actuelle" and code in codes:
            dep, n = counts.get(code, (commune["departement"], 0))
            counts[code] = (dep, n + 1)
    rows = [
        {"code": code, "department_code": dep, "communes": n, "source": COG_SOURCE}
        for code, (dep, n) in sorted(counts.items())
    ]
    return pd.DataFrame(rows, columns=["code", "department_code", "communes", "source"])


def communes_table(cog_communes: list[dict], codes: set[str]) -> pd.DataFrame:
    current = {c["code"]: c for c in cog_communes if c["type"] == "commune-actuelle"}
    rows = [
        {
            "code": code,
            "name": current[code]["nom"],
            "department_code": department_of_commune(code),
            "source": COG_SOURCE,
        }
        for code in sorted(codes)
        if code in current
    ]
    return pd.DataFrame(rows, columns=["code", "name", "department_code", "source"])


def department_bounds_table(departments: gpd.GeoDataFrame) -> pd.DataFrame:
    bounds = departments.geometry.bounds
    frame = pd.DataFrame(
        {
            "code": departments["code"].astype(str),
            "min_lon": (bounds["minx"] - 0.005).round(2),
            "min_lat": (bounds["miny"] - 0.005).round(2),
            "max_lon": (bounds["maxx"] + 0.005).round(2),
            "max_lat": (bounds["maxy"] + 0.005).round(2),
            "source": BOUNDS_SOURCE,
        }
    )
    return frame.sort_values("code").reset_index(drop=True)


def prefectures_table(mirror: Path, cog_departments: list[dict], cog_communes: list[dict]) -> pd.DataFrame:
    """Chef-lieu of each department: name and population (COG 2026), a point inside its commune (IGN)."""
    current = {c["code"]: c for c in cog_communes if c["type"] == "commune-actuelle"}
    rows = []
    for dep in cog_departments:
        chef = current.get(dep["chefLieu"])
        if chef is None:
            continue
        folder = next((mirror / "france-geojson" / "departements").glob(f"{dep['code']}-*"), None)
        if folder is None:
            continue
        communes = gpd.read_file(next(folder.glob("communes-*.geojson")))
        shape = communes.loc[communes["code"].astype(str) == chef["code"], "geometry"]
        if shape.empty:
            continue
        geom = shape.iloc[0]
        point = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        rows.append(
            {
                "department_code": dep["code"],
                "commune_code": chef["code"],
                "name": chef["nom"],
                "lon": round(point.x, 3),
                "lat": round(point.y, 3),
                "population": chef.get("population") or "",
                "source": PREFECTURE_SOURCE,
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.reference_tables", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="mirror", required=True, help="dossier miroir des sources officielles")
    args = parser.parse_args(argv)
    mirror = Path(args.mirror)
    settings = get_settings()
    out = settings.data_dir / "reference"
    out.mkdir(parents=True, exist_ok=True)
    cog = json.loads((mirror / "opendata" / "cog" / "communes.json").read_text(encoding="utf-8"))
    codes = referenced_commune_codes(settings)
    table = communes_table(cog, codes)
    missing = codes - set(table["code"])
    table.to_csv(out / "communes.csv", index=False)
    wanted = codes_named(load_document_figures(settings), ["arrondissement"])
    arrondissements = arrondissements_table(cog, wanted)
    missing |= wanted - set(arrondissements["code"])
    arrondissements.to_csv(out / "arrondissements.csv", index=False)
    departments = gpd.read_file(mirror / "france-geojson" / "departements-avec-outre-mer.geojson")
    department_bounds_table(departments).to_csv(out / "departements_emprise.csv", index=False)
    cog_departments = json.loads((mirror / "opendata" / "cog" / "departements.json").read_text(encoding="utf-8"))
    prefectures = prefectures_table(mirror, cog_departments, cog)
    prefectures.to_csv(out / "prefectures.csv", index=False)
    print(f"{len(prefectures)} chefs-lieux écrits")
    print(f"{len(table)} communes écrites ; codes absents du COG : {sorted(missing) or 'aucun'}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
