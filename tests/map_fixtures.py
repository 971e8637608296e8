"""Tiny synthetic territories and CNR rows for the map tests (made up here; no file is read)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

# Four "departments" side by side around Marseille, two regions.
DEPARTMENTS = [("04", "Alpes-de-Haute-Provence", "93"), ("13", "Bouches-du-Rhône", "93"),
               ("83", "Var", "93"), ("34", "Hérault", "76")]  # fmt: skip


def departments() -> gpd.GeoDataFrame:
    rows = [
        {"code": c, "name": n, "region_code": r, "geometry": box(3 + i, 43, 4 + i, 44)}
        for i, (c, n, r) in enumerate(DEPARTMENTS)
    ]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def communes() -> gpd.GeoDataFrame:
    """Four communes per department (quarters of its square)."""
    rows = []
    for i, (dep, _, _) in enumerate(DEPARTMENTS):
        for j in range(4):
            x, y = 3 + i + 0.5 * (j % 2), 43 + 0.5 * (j // 2)
            rows.append(
                {"code": f"{dep}{j + 1:03d}", "name": f"Commune {dep}-{j + 1}", "department_code": dep,
                 "geometry": box(x, y, x + 0.5, y + 0.5)}
            )  # fmt: skip
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


XSS = "<img src=x onerror=alert(1)>"


def projects() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"id": "P-13-01", "department_code": "13", "title": XSS, "summary": "Résumé <b>gras</b>",
             "theme": "acces_medecin", "commune_codes": "13001", "lat": 43.25, "lon": 4.25,
             "location_precision": "commune", "status": "realise", "status_date": "2023-06",
             "status_source": "", "source": "doc.txt:1-2"},
            {"id": "P-13-02", "department_code": "13", "title": "Projet départemental", "summary": "",
             "theme": "prevention", "commune_codes": None, "lat": 43.5, "lon": 4.5,
             "location_precision": "departement", "status": "en_cours", "status_date": None,
             "status_source": "", "source": "doc.txt:3"},
            {"id": "P-83-01", "department_code": "83", "title": "Maison de santé", "summary": "",
             "theme": "acces_medecin", "commune_codes": "83002;83003", "lat": 43.6, "lon": 5.6,
             "location_precision": "etablissement", "status": "non_renseigne", "status_date": None,
             "status_source": "", "source": "doc.txt:4"},
        ]
    )  # fmt: skip


def meetings() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"id": "R1", "region_code": "93", "department_code": "13", "place": "Marseille <Hôtel>",
             "commune_code": "13001", "lat": 43.3, "lon": 4.3, "location_precision": "commune",
             "date": "2022-10-03", "kind": "reunion_territoriale", "source": "doc.txt:9"},
        ]
    )  # fmt: skip


def proposals() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"id": "A1", "region_code": "93", "scope_level": "departement", "territory_code": "13",
             "theme": "acces_medecin", "axis": "", "number": "1", "level": "proposition", "parent_id": "",
             "text": "Proposition 13 accès", "verbatim_count": 1, "source": "s"},
            {"id": "A2", "region_code": "93", "scope_level": "departement", "territory_code": "13",
             "theme": "acces_medecin", "axis": "", "number": "", "level": "groupe", "parent_id": "",
             "text": "Groupe (pas une proposition)", "verbatim_count": 0, "source": "s"},
            {"id": "A3", "region_code": "93", "scope_level": "region", "territory_code": "93",
             "theme": "prevention", "axis": "", "number": "2", "level": "proposition", "parent_id": "",
             "text": "Proposition régionale", "verbatim_count": 1, "source": "s"},
            {"id": "A4", "region_code": "76", "scope_level": "departement", "territory_code": "34",
             "theme": "prevention", "axis": "", "number": "3", "level": "proposition", "parent_id": "",
             "text": "Proposition Hérault", "verbatim_count": 1, "source": "s"},
        ]
    )  # fmt: skip


def cnr_data():
    """The tiny CNR rows above as :class:`cnrmap.curated.load.CnrData`."""
    from cnrmap.curated.load import CnrData

    return CnrData(projects(), proposals(), meetings(), pd.DataFrame())


def compose(state, indicator, boundaries: tuple[str, ...] = ()):
    """:func:`cnrmap.carte.compose.compose_view` of ``state`` over these territories, with ``indicator``'s values."""
    from cnrmap.carte.compose import ViewInputs, compose_view
    from cnrmap.carte.selection import select
    from cnrmap.carte.values import ViewValues, need_zoning

    values = ViewValues(indicator, zoning=need_zoning(state, indicator, None))
    inputs = ViewInputs(departments=departments(), values=values, communes=communes(), boundaries=boundaries)
    return compose_view(state, inputs, select(state, cnr_data(), departments()))
