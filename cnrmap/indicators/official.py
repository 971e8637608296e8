"""Access-to-care indicators: what exists, whether it is installed, and its values per territory.

Department-level figures come from the committed tables of ``data/indicators/`` (always available);
commune-level values need fetched files (``cnrmap fetch``). Reference values for tooltips use the
official region and France rows when the source has them (GP density, France APL), else sums
(populations, population shares) or a mean weighted by the source's own population (regional APL).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError, Problem
from cnrmap.geo.boundaries import department_reference
from cnrmap.geo.codes import department_of_commune, normalize_department_code
from cnrmap.geo.reconcile import JoinReport, compare_keys
from cnrmap.indicators.zoning import commune_zoning, read_population_2023, read_zoning
from cnrmap.sources.catalog import get_source, is_installed
from cnrmap.sources.checked_csv import display_path, number_problems, read_checked_csv, read_csv_frame
from cnrmap.vocab import ZONING

DEPARTEMENT, COMMUNE = "departement", "commune"
FETCH_DATA_HINT = "cnrmap fetch --only zonage_mg population cog"


@dataclass(frozen=True)
class Indicator:
    """One indicator the map can show."""

    id: str
    label: str
    unit: str
    vintage: str
    source: str
    levels: tuple[str, ...]
    kind: str
    categories: dict[str, str] | None
    higher_is_better: bool | None
    installed: bool
    install_hint: str


class IndicatorValues(NamedTuple):
    """Values of an indicator (``frame``: columns ``code``, ``value``) and the join report."""

    frame: pd.DataFrame
    report: JoinReport


@dataclass(frozen=True)
class _TableSchema:
    """What an indicator table of ``data/indicators/`` must hold."""

    numeric: tuple[str, ...]
    key: tuple[str, ...] = ("code",)
    text: tuple[str, ...] = ("code",)


_TABLES = {
    "densite_mg_2024.csv": _TableSchema(("densite_pour_100000",), ("level", "code"), ("level", "code")),
    "apl_mg_departements.csv": _TableSchema(
        ("apl_mg_2024", "apl_mg_2023", "population_totale", "population_apl_inf_2_5", "part_population_apl_inf_2_5_pct")
    ),
    "zonage_mg_departements.csv": _TableSchema(("population", "population_ZIP", "part_ZIP_pct")),
    "population_departements.csv": _TableSchema(("population_2023",), text=("code", "region_code")),
}
_INDICATOR_TABLES = {
    "densite_mg": "densite_mg_2024.csv",
    "apl_mg_2024": "apl_mg_departements.csv",
    "apl_mg_2023": "apl_mg_departements.csv",
    "part_pop_apl_inf_2_5": "apl_mg_departements.csv",
    "zonage_mg": "zonage_mg_departements.csv",
    "population": "population_departements.csv",
}


def _table_hint(name: str) -> str:
    return (
        "Régénérez la table : python -m tools.build_tables --from MIROIR (MIROIR : dossier organisé comme "
        f"shared/), ou restaurez la version du dépôt : git checkout -- data/indicators/{name}"
    )


def _table(settings: Settings, name: str) -> pd.DataFrame:
    path = settings.data_dir / "indicators" / name
    return _read_table(path, path.stat().st_mtime if path.is_file() else 0.0)


@functools.lru_cache(maxsize=16)
def _read_table(path: Path, mtime: float) -> pd.DataFrame:
    """One committed indicator table, checked (columns, numbers, unique codes); raises :class:`DataError`."""
    hint = _table_hint(path.name)
    if not path.is_file():
        raise DataError(f"Table d'indicateurs absente : data/indicators/{path.name}.", hint=hint)
    schema = _TABLES.get(path.name, _TableSchema(()))
    return read_checked_csv(path, schema.text, schema.numeric, schema.key, hint=hint)


def _table_problem(settings: Settings, name: str) -> str | None:
    """French reason why the table ``name`` cannot be used, or ``None`` when it can."""
    try:
        _table(settings, name)
    except DataError as exc:
        return str(exc)
    return None


def _data_file(settings: Settings, source_id: str, index: int = 0) -> Path:
    source = get_source(source_id)
    return source.local_path(settings, source.files[index])


def _commune_data_installed(settings: Settings) -> bool:
    return all(is_installed(settings, get_source(s)) for s in ("zonage_mg", "population", "cog"))


def patients_file(settings: Settings) -> Path:
    """Where the department table of patients without a médecin traitant is expected in the cache."""
    return _data_file(settings, "patients_sans_mt")


def _commune_problems(settings: Settings) -> dict[str, str | None]:
    """Per commune-level indicator, the French reason it cannot be shown (``None``: it can)."""
    if not _commune_data_installed(settings):
        return {
            "zonage_mg": f"Niveau communal : {FETCH_DATA_HINT} puis cnrmap fetch --departments 13,83",
            "population": f"Niveau communal : {FETCH_DATA_HINT}",
        }
    try:
        _check_once(_data_file(settings, "population"), read_population_2023)
    except DataError as exc:
        reason = f"Niveau communal indisponible : {exc}"
        return {"zonage_mg": reason, "population": reason}
    try:
        _check_once(_data_file(settings, "zonage_mg"), read_zoning)
    except DataError as exc:
        return {"zonage_mg": f"Niveau communal indisponible : {exc}", "population": None}
    return {"zonage_mg": None, "population": None}


CHECKED_SUFFIX = ".lu"


def _check_once(path: Path, reader: Callable[[Path], object]) -> None:
    """Read a fetched file with ``reader`` (which raises :class:`DataError`) unless this version already passed.

    A file that was read without error gets a stamp beside it (its size and date): listing the indicators
    of a new process then costs no parsing. Any change to the file makes the stamp stale.
    """
    stamp = path.with_name(path.name + CHECKED_SUFFIX)
    stat = path.stat()
    signature = f"{stat.st_size} {stat.st_mtime_ns}"
    try:
        if stamp.read_text(encoding="ascii") == signature:
            return
    except (OSError, ValueError):
        pass
    reader(path)
    with contextlib.suppress(OSError):
        stamp.write_text(signature, encoding="ascii")


def _availability(department: str | None, commune: str | bool | None = True) -> dict[str, object]:
    """``levels``, ``installed`` and ``install_hint`` from the reasons each level cannot be shown.

    A reason is ``None`` when the level can be shown; ``commune=True``: no commune level at all.
    """
    levels = () if department else (DEPARTEMENT,)
    if commune is None:
        levels += (COMMUNE,)
    reasons = [r for r in (department, commune) if isinstance(r, str)]
    return {"levels": levels, "installed": bool(levels), "install_hint": "\n".join(reasons)}


def list_indicators(settings: Settings) -> list[Indicator]:
    """Every indicator, with whether it can be shown now and how to install it if not.

    A committed table or fetched file that cannot be read does not raise: its indicator (or that
    level) is listed as unavailable, with the French reason and what to do in ``install_hint``.
    """
    communes = _commune_problems(settings)
    tables = {name: _table_problem(settings, name) for name in dict.fromkeys(_INDICATOR_TABLES.values())}

    def state(indicator_id: str) -> dict:
        return _availability(tables[_INDICATOR_TABLES[indicator_id]], communes.get(indicator_id, True))

    patients = _patients_problem(settings)
    apl_source = "Moyennes départementales de l'APL communale DREES (agrégation tierce, pas un chiffre officiel DREES)"
    return [
        Indicator(
            "densite_mg", "Densité de médecins généralistes libéraux", "pour 100 000 habitants", "2024",
            "CNAM, data.ameli.fr, 2024 (ensemble des médecins généralistes libéraux)",
            kind="numeric", categories=None, higher_is_better=True, **state("densite_mg"),
        ),
        Indicator(
            "apl_mg_2024", "Accessibilité potentielle localisée (APL) aux médecins généralistes",
            "consultations par habitant et par an", "2024", apl_source,
            kind="numeric", categories=None, higher_is_better=True, **state("apl_mg_2024"),
        ),
        Indicator(
            "apl_mg_2023", "Accessibilité potentielle localisée (APL) aux médecins généralistes",
            "consultations par habitant et par an", "2023", apl_source,
            kind="numeric", categories=None, higher_is_better=True, **state("apl_mg_2023"),
        ),
        Indicator(
            "part_pop_apl_inf_2_5", "Part de la population ayant une APL inférieure à 2,5", "%", "2024", apl_source,
            kind="numeric", categories=None, higher_is_better=False, **state("part_pop_apl_inf_2_5"),
        ),
        Indicator(
            "zonage_mg", "Zonage médecins généralistes", "catégorie (commune) ; % de la population en ZIP (département)",
            "arrêtés ARS 2022 à début 2025",
            "ARS / CartoSanté ; part en ZIP calculée avec les populations légales INSEE 2023",
            kind="categorical", categories=dict(ZONING), higher_is_better=None, **state("zonage_mg"),
        ),
        Indicator(
            "population", "Population municipale", "habitants", "2023 (populations légales en vigueur en 2026)",
            "INSEE, populations légales 2023",
            kind="numeric", categories=None, higher_is_better=None, **state("population"),
        ),
        Indicator(
            "patients_sans_mt", "Part des patients sans médecin traitant", "%", "selon le fichier CNAM",
            "CNAM, observatoire de l'accès aux soins (data.ameli.fr)",
            # Absent: listed at department level as « non installé » (how to get it); unreadable: no level.
            levels=(DEPARTEMENT,) if patients in (None, PATIENTS_NOT_INSTALLED) else (),
            kind="numeric", categories=None, higher_is_better=False,
            installed=patients is None, install_hint=patients or "",
        ),
    ]  # fmt: skip


def get_indicator(indicator_id: str, settings: Settings) -> Indicator:
    """The indicator ``indicator_id``; raises :class:`DataError` if unknown."""
    indicators = list_indicators(settings)
    for indicator in indicators:
        if indicator.id == indicator_id:
            return indicator
    known = ", ".join(i.id for i in indicators)
    raise DataError(f"Indicateur inconnu : {indicator_id!r}.", hint=f"Indicateurs connus : {known}.")


def _department_frame(settings: Settings, indicator_id: str) -> pd.DataFrame:
    if indicator_id == "densite_mg":
        table = _table(settings, "densite_mg_2024.csv")
        table = table[table["level"] == "departement"]
        return pd.DataFrame({"code": table["code"], "value": table["densite_pour_100000"].astype(float)})
    if indicator_id in ("apl_mg_2024", "apl_mg_2023", "part_pop_apl_inf_2_5"):
        table = _table(settings, "apl_mg_departements.csv")
        table = table[table["code"] != "FR"]
        column = {"part_pop_apl_inf_2_5": "part_population_apl_inf_2_5_pct"}.get(indicator_id, indicator_id)
        return pd.DataFrame({"code": table["code"], "value": table[column].astype(float)})
    if indicator_id == "zonage_mg":
        table = _table(settings, "zonage_mg_departements.csv")
        return pd.DataFrame({"code": table["code"], "value": table["part_ZIP_pct"].astype(float)})
    if indicator_id == "population":
        table = _table(settings, "population_departements.csv")
        return pd.DataFrame({"code": table["code"], "value": table["population_2023"].astype(float)})
    if indicator_id == "patients_sans_mt":
        return read_patients_file(patients_file(settings))
    raise DataError(f"Indicateur inconnu : {indicator_id!r}.")


PATIENTS_NOT_INSTALLED = (
    "Non installé : aucune table départementale hors ligne. Avec internet : "
    "cnrmap fetch --only patients_sans_mt ; ou déposer le fichier dans un miroir sous "
    "opendata/patients_sans_medecin_traitant/patients_sans_mt_departements.csv puis cnrmap fetch "
    "--only patients_sans_mt --from MIROIR."
)


def _patients_hint(path: Path) -> str:
    return (
        f"Supprimez {display_path(path)} puis téléchargez-le à nouveau : cnrmap fetch --only patients_sans_mt "
        "(avec internet ou un miroir qui contient le fichier)."
    )


def _patients_problem(settings: Settings) -> str | None:
    """French reason the patients layer cannot be shown (:data:`PATIENTS_NOT_INSTALLED` if absent), or ``None``."""
    path = patients_file(settings)
    if not path.is_file():
        return PATIENTS_NOT_INSTALLED
    try:
        read_patients_file(path)
    except DataError as exc:
        return str(exc)
    return None


def read_patients_file(path: Path) -> pd.DataFrame:
    """Read a CNAM department table of patients without a médecin traitant (latest year per department).

    The columns are found by name: a department code column (``departement``…) and a rate column
    (``taux…sans_mt``…); an optional year column (``annee``) keeps the latest year. The separator
    (``;`` or ``,``) is detected and the rate may use a decimal comma. Parsed once per file version.

    Raises
    ------
    DataError
        If the file is missing or cannot be read, its columns cannot be identified or a rate is not
        a number (French message with file, line and column).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            "Indicateur « patients sans médecin traitant » non installé.",
            hint="cnrmap fetch --only patients_sans_mt (avec internet ou un miroir qui contient le fichier)",
        )
    stat = path.stat()
    return _read_patients_file(path.absolute(), stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=4)
def _read_patients_file(path: Path, mtime_ns: int, size: int) -> pd.DataFrame:
    label, hint = display_path(path), _patients_hint(path)
    raw = read_csv_frame(path, label=label, hint=hint, sep=None)
    columns = {c.lower(): c for c in raw.columns}
    code_col = next((columns[c] for c in columns if c in ("departement", "code_departement", "dept")), None)
    rate_col = next((columns[c] for c in columns if "taux" in c and "mt" in c), None)
    if code_col is None or rate_col is None:
        missing = [name for name, col in (("departement", code_col), ("taux_…_sans_mt", rate_col)) if col is None]
        raise DataError(
            f"{label} : colonnes du département ou du taux introuvables (colonnes lues : {list(raw.columns)!r}).",
            [Problem(label, "colonne absente", row=1, column=name) for name in missing],
            hint="Attendu : une colonne « departement » et une colonne « taux_…_sans_mt ». " + hint,
        )
    year_col = columns.get("annee")
    frame = raw[[code_col, rate_col] + ([year_col] if year_col else [])].copy()
    frame.columns = ["code", "value"] + (["annee"] if year_col else [])
    frame = frame[frame["code"].str.strip() != ""]
    valid = []
    for code in frame["code"]:  # about a hundred departments (times the years)
        try:
            valid.append(normalize_department_code(code))
        except ValueError:
            valid.append(None)
    frame["code"] = valid
    frame = frame.dropna(subset=["code"])
    frame["value"], problems = number_problems(frame, "value", label=label, decimal_comma=True)
    if problems:
        problems = [replace(p, column=rate_col) for p in problems]
        raise DataError(f"{label} ne peut pas être utilisé tel quel.", problems, hint=hint)
    if "annee" in frame.columns:
        frame = frame.sort_values("annee").groupby("code", as_index=False).last()
    elif frame["code"].duplicated().any():
        codes = sorted(set(frame.loc[frame["code"].duplicated(), "code"]))
        raise DataError(
            f"{label} : départements en double sans colonne « annee » pour choisir : {', '.join(codes[:20])}.",
            [Problem(label, f"département {code!r} en double", column=code_col) for code in codes[:20]],
            hint=hint,
        )
    return frame[["code", "value"]].reset_index(drop=True)


@dataclass(frozen=True)
class _NationalValues:
    """Commune values of one indicator over all of France, with what the per-territory reports need."""

    frame: pd.DataFrame  # code, value, department
    derived: pd.DataFrame  # code, detail (zoning derived for Paris, Marseille, Lyon)
    expected: Mapping[str, tuple[str, ...]]  # department → its COG 2026 communes, sorted
    right: str
    notes: tuple[str, ...]


def _commune_files_key(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of the commune data files: a changed file invalidates the caches."""
    key = []
    for source_id in ("cog", "population", "zonage_mg"):
        path = _data_file(settings, source_id)
        stat = path.stat()
        key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def _commune_frame(settings: Settings, indicator_id: str, departments: list[str] | None) -> IndicatorValues:
    if not _commune_data_installed(settings):
        raise DataError(
            "Données communales non installées (zonage, populations, COG).", hint=f"Télécharger : {FETCH_DATA_HINT}"
        )
    wanted = tuple(sorted(set(departments))) if departments is not None else None
    result = _commune_values(settings, indicator_id, wanted, _commune_files_key(settings))
    return IndicatorValues(result.frame.copy(), result.report)


@functools.lru_cache(maxsize=32)
def _commune_values(
    settings: Settings, indicator_id: str, wanted: tuple[str, ...] | None, files_key: tuple
) -> IndicatorValues:
    """Values of the communes of ``wanted`` (``None``: all), remembered per file version (callers copy)."""
    national = _national_commune_values(settings, indicator_id, files_key)
    departments = wanted if wanted is not None else tuple(national.expected)
    expected = sorted(code for dep in departments for code in national.expected.get(dep, ()))
    frame = national.frame
    if wanted is not None:
        frame = frame[frame["department"].isin(wanted)]
    notes = national.notes
    if len(national.derived):
        derived = national.derived[national.derived["code"].isin(expected)]
        notes = tuple(f"{r.code} : {r.detail}" for r in derived.itertuples())
    report = compare_keys(expected, frame["code"], "communes (COG 2026)", national.right, notes=notes)
    frame = frame.loc[frame["code"].isin(expected), ["code", "value"]].reset_index(drop=True)
    return IndicatorValues(frame, report)


@functools.lru_cache(maxsize=4)
def _national_commune_values(settings: Settings, indicator_id: str, files_key: tuple) -> _NationalValues:
    from cnrmap.geo.boundaries import load_cog

    cog = load_cog(settings)
    population = read_population_2023(_data_file(settings, "population"))
    expected: dict[str, list[str]] = {}
    for code, (_, dep, _, _) in cog.communes.items():
        expected.setdefault(dep, []).append(code)
    derived = pd.DataFrame({"code": pd.Series(dtype=str), "detail": pd.Series(dtype=str)})
    if indicator_id == "zonage_mg":
        zoning = commune_zoning(read_zoning(_data_file(settings, "zonage_mg")), population)
        frame = pd.DataFrame({"code": zoning["code"], "value": zoning["zoning"]})
        derived = zoning.loc[zoning["derived"], ["code", "detail"]].reset_index(drop=True)
        notes: tuple[str, ...] = ()
        right = "zonage médecins"
    elif indicator_id == "population":
        frame = population.copy()
        frame["parent"] = frame["code"].map(lambda c: cog.arrondissements.get(c, c))
        frame = frame.groupby("parent", as_index=False)["population"].sum()
        frame = pd.DataFrame({"code": frame["parent"], "value": frame["population"].astype(float)})
        notes = ("Paris, Marseille et Lyon : somme des populations de leurs arrondissements.",)
        right = "populations INSEE 2023"
    else:
        raise DataError(f"L'indicateur {indicator_id!r} n'existe pas au niveau communal.")
    frame = frame.reset_index(drop=True)
    frame["department"] = frame["code"].map(department_of_commune)
    return _NationalValues(
        frame=frame,
        derived=derived,
        expected={dep: tuple(sorted(codes)) for dep, codes in expected.items()},
        right=right,
        notes=notes,
    )


def indicator_values(
    indicator_id: str, level: str, settings: Settings, departments: list[str] | None = None
) -> IndicatorValues:
    """Values of an indicator for every territory of a level.

    Parameters
    ----------
    indicator_id:
        One of the ids of :func:`list_indicators`.
    level:
        ``"departement"`` or ``"commune"``.
    settings:
        Data locations.
    departments:
        Restrict to these departments (``None``: all).

    Returns
    -------
    IndicatorValues
        ``frame`` with columns ``code`` and ``value`` (float, or category code for the commune zoning),
        and ``report`` comparing the codes with the COG 2026 reference (left: reference territories
        without a value; right: values whose code is not in the reference).

    Raises
    ------
    DataError
        Unknown indicator or level, or data not installed (with the command that installs it).
    """
    indicator = get_indicator(indicator_id, settings)
    if level not in indicator.levels:
        if level == DEPARTEMENT and indicator_id in _INDICATOR_TABLES:
            _table(settings, _INDICATOR_TABLES[indicator_id])  # raises the reading problem, if any
        if level == DEPARTEMENT and indicator_id == "patients_sans_mt":
            read_patients_file(patients_file(settings))
        hint = indicator.install_hint or f"Niveaux disponibles : {', '.join(indicator.levels)}."
        raise DataError(f"L'indicateur « {indicator.label} » n'est pas disponible au niveau {level!r}.", hint=hint)
    wanted = [normalize_department_code(d) for d in departments] if departments is not None else None
    if level == COMMUNE:
        return _commune_frame(settings, indicator_id, wanted)
    frame = _department_frame(settings, indicator_id)
    reference = department_reference(settings)["code"]
    if wanted is not None:
        reference = reference[reference.isin(wanted)]
        frame = frame[frame["code"].isin(wanted)]
    report = compare_keys(reference, frame["code"], "départements (COG 2026)", indicator.label)
    return IndicatorValues(frame.reset_index(drop=True), report)


def _population_weighted(frame: pd.DataFrame, value: str, weight: str) -> dict[str, float]:
    frame = frame.dropna(subset=[value, weight])
    weighted = (frame[value] * frame[weight]).groupby(frame["region_code"]).sum()
    return (weighted / frame.groupby("region_code")[weight].sum()).round(2).to_dict()


def reference_values(indicator_id: str, settings: Settings) -> dict[str, float]:
    """Reference values for tooltips: one per region code and ``"FR"``.

    GP density: the official region and France rows of the CNAM file. APL: France row of the source;
    regions as the mean of their departments weighted by the source's ``population_totale``. Share of
    population with APL < 2.5: regional sums of inhabitants below 2.5 over regional population.
    Populations and zoning shares: sums over departments (France = the departments present).
    Patients without a médecin traitant: no reference (empty) unless the file has region rows.
    """
    departments = department_reference(settings)[["code", "region_code"]]
    if indicator_id == "densite_mg":
        table = _table(settings, "densite_mg_2024.csv")
        table = table[table["level"].isin(["region", "france"])]
        return dict(zip(table["code"], table["densite_pour_100000"].astype(float), strict=True))
    if indicator_id in ("apl_mg_2024", "apl_mg_2023", "part_pop_apl_inf_2_5"):
        table = _table(settings, "apl_mg_departements.csv")
        if not (table["code"] == "FR").any():
            raise DataError(
                "data/indicators/apl_mg_departements.csv : la ligne France (code « FR ») manque.",
                hint=_table_hint("apl_mg_departements.csv"),
            )
        france = table[table["code"] == "FR"].iloc[0]
        table = table[table["code"] != "FR"].merge(departments, on="code")
        if indicator_id == "part_pop_apl_inf_2_5":
            sums = table.groupby("region_code")[["population_apl_inf_2_5", "population_totale"]].sum()
            result = (100 * sums["population_apl_inf_2_5"] / sums["population_totale"]).round(1).to_dict()
            return {**result, "FR": float(france["part_population_apl_inf_2_5_pct"])}
        return {**_population_weighted(table, indicator_id, "population_totale"), "FR": float(france[indicator_id])}
    if indicator_id == "population":
        table = _table(settings, "population_departements.csv")
        sums = table.groupby("region_code")["population_2023"].sum().astype(float).to_dict()
        return {**sums, "FR": float(table["population_2023"].sum())}
    if indicator_id == "zonage_mg":
        table = _table(settings, "zonage_mg_departements.csv").merge(departments, on="code")
        sums = table.groupby("region_code")[["population_ZIP", "population"]].sum()
        result = (100 * sums["population_ZIP"] / sums["population"]).round(2).to_dict()
        return {**result, "FR": round(float(100 * table["population_ZIP"].sum() / table["population"].sum()), 2)}
    if indicator_id == "patients_sans_mt":
        return {}
    raise DataError(f"Indicateur inconnu : {indicator_id!r}.")
