"""What is installed, what is missing, and the command that fixes it (``cnrmap doctor``, Sources page).

The app needs the department boundaries (fetched, or the embedded fallback) and the committed tables
of ``data/reference/`` and ``data/indicators/``: if one is missing, the check is required and failing
(``cnrmap doctor``, in :mod:`cnrmap.cli.doctor`, then exits with 1). Everything fetched (commune
boundaries, zoning and populations per commune, COG, patients without a médecin traitant) is
optional: reported as missing with the command that installs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo.boundaries import installed_commune_departments, load_departments
from cnrmap.geo.codes import ALL_DEPARTMENTS
from cnrmap.indicators.zoning import read_zoning
from cnrmap.sources.catalog import Source, file_sha256, is_installed, load_catalog

COMMITTED_TABLES: tuple[tuple[str, str], ...] = (
    ("data/reference/regions.csv", "Régions (COG 2026)"),
    ("data/reference/departements.csv", "Départements (COG 2026)"),
    ("data/indicators/densite_mg_2024.csv", "Densité de médecins généralistes 2024 (CNAM)"),
    ("data/indicators/apl_mg_departements.csv", "APL médecins généralistes 2023-2024 par département"),
    ("data/indicators/population_departements.csv", "Populations départementales 2023 et 2020 (INSEE)"),
    ("data/indicators/zonage_mg_departements.csv", "Population par catégorie de zonage, par département"),
)


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis.

    Attributes
    ----------
    id:
        Dataset or table id.
    label:
        French name.
    ok:
        Whether it is installed and usable.
    required:
        Whether the app needs it (a required check that fails makes ``cnrmap doctor`` exit with 1).
    detail:
        French details: vintage, counts, location, or what is wrong.
    fix:
        Command that fixes it, when not ok.
    """

    id: str
    label: str
    ok: bool
    required: bool
    detail: str
    fix: str = ""


def _count(source: Source, settings: Settings) -> str:
    """Rows or features of the first file of an installed dataset (cheap readers only)."""
    path = source.local_path(settings, source.files[0])
    if path.suffix == ".csv":
        return f"{len(pd.read_csv(path, dtype=str, sep=None, engine='python'))} lignes"
    if path.suffix == ".json":
        return f"{len(pd.read_json(path, dtype=False))} entrées"
    if path.with_suffix(".parquet").is_file():
        return f"{len(pd.read_parquet(path.with_suffix('.parquet'), columns=['code']))} entités"
    return "présent"


def _altered(source: Source, settings: Settings) -> list[str]:
    return [
        f.path
        for f in source.files
        if f.sha256
        and source.local_path(settings, f).is_file()
        and file_sha256(source.local_path(settings, f)) != f.sha256
    ]


def diagnose(settings: Settings, catalog: Sequence[Source] | None = None) -> list[Check]:
    """Check every dataset the app can use.

    Parameters
    ----------
    settings:
        Cache locations.
    catalog:
        Catalog to check against instead of ``cnrmap/sources/sources.toml`` (tests use a synthetic one).

    Returns
    -------
    list[Check]
        Boundaries first, then committed tables, then fetched datasets.
    """
    checks: list[Check] = []
    try:
        layer = load_departments(settings)
        unmatched = layer.report.unmatched_right if layer.report else ()
        detail = f"{layer.description} Origine : {layer.origin}."
        if unmatched:
            detail += f" Départements sans contour : {', '.join(unmatched)}."
        checks.append(
            Check(
                "departements", "Contours des départements", True, True, detail,
                "cnrmap fetch --only departements" if layer.origin == "embedded" else "",
            )
        )  # fmt: skip
    except DataError as exc:
        checks.append(Check("departements", "Contours des départements", False, True, exc.message,
                            "cnrmap fetch --only departements"))  # fmt: skip
    for relative, label in COMMITTED_TABLES:
        path = settings.root / relative
        if path.is_file():
            rows = len(pd.read_csv(path, dtype=str))
            checks.append(Check(relative, label, True, True, f"{rows} lignes ({relative})."))
        else:
            checks.append(Check(relative, label, False, True, f"Fichier absent : {relative}.",
                                "python -m tools.build_tables --from DOSSIER_DU_MIROIR"))  # fmt: skip

    for source in catalog if catalog is not None else load_catalog():
        if source.id == "departements":
            continue
        cache = source.cache_root(settings)
        if source.per_department:
            installed = installed_commune_departments(settings)
            ok = bool(installed)
            detail = (
                f"{len(installed)}/{len(ALL_DEPARTMENTS)} départements installés"
                + (f" ({', '.join(installed)})" if installed and len(installed) <= 20 else "")
                + f" ; {source.vintage} ; cache : {cache}."
            )
            fix = "" if len(installed) == len(ALL_DEPARTMENTS) else "cnrmap fetch --departments 13,83 (ou --all)"
            checks.append(Check(source.id, source.title, ok, False, detail, fix))
            continue
        if not is_installed(settings, source):
            fix = f"cnrmap fetch --only {source.id}"
            detail = f"Non installé ({source.vintage}) ; cache : {cache}."
            if source.optional:
                detail += f" {source.notes}"
            checks.append(Check(source.id, source.title, False, False, detail, fix))
            continue
        altered = _altered(source, settings)
        if altered:
            checks.append(Check(source.id, source.title, False, False,
                                f"Fichier(s) altéré(s) (empreinte différente) : {', '.join(altered)}.",
                                f"cnrmap fetch --only {source.id}"))  # fmt: skip
            continue
        detail = f"{source.vintage} ; {_count(source, settings)} ; cache : {cache}."
        if source.id == "zonage_mg":
            detail += " " + _zoning_join_detail(settings, source)
        checks.append(Check(source.id, source.title, True, False, detail))
    return checks


def _zoning_join_detail(settings: Settings, source: Source) -> str:
    from cnrmap.geo.boundaries import load_cog
    from cnrmap.geo.reconcile import compare_keys

    try:
        cog = load_cog(settings)
    except DataError:
        return "Rapprochement avec le COG non vérifié (COG absent)."
    zoning = read_zoning(source.local_path(settings, source.files[0]))
    communes = zoning[zoning["type"] == "commune"]["code"]
    parents = set(cog.arrondissements.values())
    report = compare_keys(cog.communes_of(ALL_DEPARTMENTS), communes, "COG 2026", "zonage médecins")
    missing = [c for c in report.unmatched_left if c not in parents]
    return (
        f"Communes des départements du COG 2026 sans zonage : {len(missing)} ({', '.join(missing[:10])}) ; "
        f"Paris, Marseille et Lyon : valeur dérivée de leurs arrondissements."
    )


def render(checks: list[Check]) -> str:
    """French text report of a diagnosis."""
    lines = []
    for check in checks:
        mark = "OK " if check.ok else ("MANQUANT (requis)" if check.required else "absent")
        lines.append(f"[{mark}] {check.label} — {check.detail}")
        if check.fix:
            lines.append(f"        → {check.fix}")
    failing = [c for c in checks if c.required and not c.ok]
    lines.append("")
    lines.append(
        "Tout ce dont l'application a besoin est présent."
        if not failing
        else f"{len(failing)} élément(s) requis manquant(s) : l'application ne peut pas démarrer correctement."
    )
    return "\n".join(lines)
