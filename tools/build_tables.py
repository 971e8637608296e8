"""Build the small committed tables of official figures from a mirror of the sources.

``python -m tools.build_tables --from DOSSIER_DU_MIROIR`` writes ``data/reference/*.csv`` and
``data/indicators/*.csv``. Every output has a ``source`` column; nothing is computed that the
source does not state, except sums and shares documented in ``data/indicators/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cnrmap.config import get_settings
from cnrmap.errors import DataError
from cnrmap.geo.codes import ALL_DEPARTMENTS, normalize_department_code
from cnrmap.indicators.zoning import read_population_2023, read_zoning, zoning_shares

COG_SOURCE = "INSEE COG 2026 via @etalab/decoupage-administratif 6.0.0"
DENSITY_SOURCE = (
    "CNAM, data.ameli.fr « demographie-effectifs-et-les-densites », 2024, "
    "Ensemble des médecins généralistes libéraux, tous âges, deux sexes"
)
APL_SOURCE = (
    "Agrégation départementale (projet FraidFraid/France-Monitor) de l'APL communale DREES "
    "(jeu 530_l-accessibilite-potentielle-localisee-apl) ; pas un chiffre officiel DREES"
)
POPULATION_SOURCE = "INSEE, populations légales millésimes 2023 et 2020, somme des populations municipales"
ZONING_SOURCE = "Zonage médecins généralistes (ARS/CartoSanté, codes INSEE COG 2026) × populations légales INSEE 2023"
DENSITY_CATEGORY = "Ensemble des médecins généralistes"


def build_reference(mirror: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regions and departments (metropolitan and overseas departments) of the COG 2026."""
    departments = json.loads((mirror / "opendata/cog/departements.json").read_text(encoding="utf-8"))
    regions = json.loads((mirror / "opendata/cog/regions.json").read_text(encoding="utf-8"))
    dep = pd.DataFrame([{"code": d["code"], "name": d["nom"], "region_code": d["region"]} for d in departments])
    dep = dep[dep["code"].isin(ALL_DEPARTMENTS)].copy()
    dep["order"] = dep["code"].map(ALL_DEPARTMENTS.index)
    dep = dep.sort_values("order").drop(columns="order").assign(source=COG_SOURCE)
    reg = pd.DataFrame([{"code": r["code"], "name": r["nom"]} for r in regions])
    reg = reg[reg["code"].isin(set(dep["region_code"]))].sort_values("code").assign(source=COG_SOURCE)
    return reg.reset_index(drop=True), dep.reset_index(drop=True)


def build_density(mirror: Path) -> pd.DataFrame:
    """GP density 2024: one row per department, region and France."""
    raw = pd.read_csv(
        mirror / "opendata/densite_mg_ameli/densite_medecins_generalistes_liberaux_2024.csv",
        dtype=str,
        keep_default_na=False,
    )
    raw = raw[raw["profession_sante"] == DENSITY_CATEGORY]
    rows = []
    for _, r in raw.iterrows():
        if r["region"] == "99":
            level, code, name = "france", "FR", "France"
        elif r["departement"] == "999":
            level, code, name = "region", r["region"], r["libelle_region"]
        else:
            level, code, name = "departement", normalize_department_code(r["departement"]), r["libelle_departement"]
        rows.append(
            {
                "level": level,
                "code": code,
                "name": name,
                "region_code": r["region"] if level == "departement" else "",
                "effectif": int(r["effectif"]),
                "densite_pour_100000": float(r["densite"]),
                "annee": int(r["annee"]),
                "source": DENSITY_SOURCE,
            }
        )
    order = {"departement": 0, "region": 1, "france": 2}
    frame = pd.DataFrame(rows)
    return frame.sort_values(["level", "code"], key=lambda s: s.map(order) if s.name == "level" else s).reset_index(
        drop=True
    )


def build_apl(mirror: Path) -> pd.DataFrame:
    """APL to GPs 2023 and 2024 per department, plus the France row of the source."""
    raw = pd.read_csv(
        mirror / "opendata/apl_drees_departements/apl_mg_departements_2023_2024.csv", dtype=str, keep_default_na=False
    )
    codes = [c if c == "FR" else normalize_department_code(c) for c in raw["code_departement"]]
    return pd.DataFrame(
        {
            "code": codes,
            "name": raw["nom_departement"],
            "apl_mg_2024": raw["apl_mg_2024"].astype(float),
            "apl_mg_2023": raw["apl_mg_2023"].astype(float),
            "population_totale": pd.to_numeric(raw["population_totale"]).astype("Int64"),
            "population_apl_inf_2_5": pd.to_numeric(raw["population_apl_mg_2024_inf_2_5"]).astype("Int64"),
            "part_population_apl_inf_2_5_pct": raw["part_population_apl_mg_2024_inf_2_5_pct"].astype(float),
            "source": APL_SOURCE,
        }
    )


def build_population(mirror: Path) -> pd.DataFrame:
    """Department municipal populations 2023 and 2020 (sums of the commune tables)."""
    raw = pd.read_csv(
        mirror / "opendata/population_insee/populations_municipales_departements_2023_2020.csv",
        dtype=str,
        keep_default_na=False,
    )
    return pd.DataFrame(
        {
            "code": raw["code_departement"].map(normalize_department_code),
            "name": raw["nom_departement"],
            "region_code": raw["code_region"],
            "nb_communes": raw["nb_communes"].astype(int),
            "population_2023": raw["population_municipale_2023"].astype(int),
            "population_2020": raw["population_municipale_2020"].astype(int),
            "source": POPULATION_SOURCE,
        }
    )


def build_zoning_shares(mirror: Path) -> pd.DataFrame:
    """Population in each zoning category per department (INSEE 2023 populations)."""
    zoning = read_zoning(mirror / "opendata/zonage_medecins/zonage_mg_communes_insee.csv")
    population = read_population_2023(mirror / "opendata/population_insee/insee_populations_legales_2023_communes.csv")
    shares, _ = zoning_shares(zoning, population)
    return shares.assign(source=ZONING_SOURCE)


def build_all(mirror: Path, root: Path) -> dict[str, int]:
    """Write every table under ``root``; returns the row count per written file (relative path)."""
    mirror = Path(mirror)
    regions, departments = build_reference(mirror)
    outputs: dict[str, pd.DataFrame] = {
        "data/reference/regions.csv": regions,
        "data/reference/departements.csv": departments,
        "data/indicators/densite_mg_2024.csv": build_density(mirror),
        "data/indicators/apl_mg_departements.csv": build_apl(mirror),
        "data/indicators/population_departements.csv": build_population(mirror),
        "data/indicators/zonage_mg_departements.csv": build_zoning_shares(mirror),
    }
    counts = {}
    for relative, frame in outputs.items():
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, lineterminator="\n")
        counts[relative] = len(frame)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.build_tables",
        description="Régénère data/reference/ et data/indicators/ à partir d'un miroir des sources.",
    )
    parser.add_argument("--from", dest="mirror", required=True, type=Path, help="dossier organisé comme shared/")
    parser.add_argument(
        "--root", type=Path, default=None, help="racine du projet (défaut : la copie du dépôt, ou CNRMAP_ROOT)"
    )
    args = parser.parse_args(argv)
    try:
        counts = build_all(args.mirror, args.root or get_settings().root)
    except (OSError, DataError) as exc:
        print(f"Échec : {exc}", file=sys.stderr)
        return 1
    for relative, count in counts.items():
        print(f"{relative} : {count} lignes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
