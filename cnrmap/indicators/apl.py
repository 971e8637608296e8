"""APL to general practitioners per commune (DREES, 2015–2019 and 2021–2023), and department, region, France means.

The commune values come from the fetched file ``apl_mg_communes`` (COG 2026 codes, brought to the current communes
through the COG history like the zoning). Department, region and France values are means of their communes
weighted by the INSEE 2023 municipal population (the same weights every year: the file does not carry DREES's own
standardised populations); at department level they are put next to the committed department table
(``data/indicators/apl_mg_departements.csv``, a third party's aggregation for 2023 and 2024) with the difference.
An evolution is the difference between two years (later minus earlier: a rise is better access). A territory
without a value gets its reason (Corsica, Paris/Lyon/Marseille, Mayotte, communes without inhabitants, communes
merged or restored between vintages), never zero.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError, Problem
from cnrmap.french import format_number, format_value
from cnrmap.geo.reconcile import JoinReport, compare_keys
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT, Indicator, IndicatorData, SideValue
from cnrmap.indicators.tables import indicator_table
from cnrmap.sources.catalog import get_source, is_installed, local_file
from cnrmap.sources.checked_csv import display_path, read_checked_csv

APL_ID = "apl_mg"
SOURCE_ID = "apl_mg_communes"
YEARS: tuple[str, ...] = ("2015", "2016", "2017", "2018", "2019", "2021", "2022", "2023")
THRESHOLD = 2.5
FETCH_HINT = "cnrmap fetch --only apl_mg_communes cog population"
LABEL = "Accessibilité potentielle localisée (APL) aux médecins généralistes"
UNIT = "consultations par habitant et par an"
SOURCE = "DREES, APL aux médecins généralistes par commune (valeurs compilées par H-Zak/santescope)"
MEAN_NOTE = "Moyenne des communes pondérée par leur population municipale INSEE 2023 (communes sans valeur exclues)"
TABLE_LABEL = "Table départementale (agrégation tierce FraidFraid/France-Monitor)"
TABLE_YEARS = ("2023",)  # the committed table also has 2024, a year the commune file does not have

CORSICA = "Corse : absente de la compilation des valeurs DREES (codes à lettre écartés)"
PLM_REASON = "Paris, Lyon, Marseille : publiées par arrondissement par la DREES, sans valeur communale dans cette copie"
MAYOTTE = "Mayotte : absente de la compilation des valeurs DREES"
UNINHABITED = "Commune sans habitant : pas d'APL"
NOT_IN_FILE = "Absente de la compilation des valeurs DREES"
PLM = ("75056", "69123", "13055")
_DEPARTMENT_REASONS = {"2A": CORSICA, "2B": CORSICA, "976": MAYOTTE, "75": PLM_REASON}
# Departments whose mean misses its largest city (no commune value): said beside the table's value.
_CITY_LEFT_OUT = {
    "13": "Marseille, sans valeur communale, manque à la moyenne des communes",
    "69": "Lyon, sans valeur communale, manque à la moyenne des communes",
}


def sign_note(year: str, from_year: str) -> str:
    """The sign convention of an evolution, said in the legend."""
    return (
        f"Écart = APL {year} − APL {from_year} : hausse = meilleur accès (bleu), "
        "baisse = accès dégradé (rouge), classe centrale = quasi stable"
    )


def year_missing(year: str) -> str:
    return f"Pas de valeur DREES en {year} (commune fusionnée ou rétablie entre deux millésimes)"


# --- The file ---------------------------------------------------------------------------------------------------


def _hint(label: str) -> str:
    return f"Supprimez {label} puis téléchargez-le à nouveau : cnrmap fetch --only {SOURCE_ID}"


def read_apl_communes(path: Path) -> pd.DataFrame:
    """Read the commune APL file: ``code`` and one float column per year of :data:`YEARS` (NaN when missing).

    Raises
    ------
    DataError
        Missing or unreadable file, missing column, a value that is not a number or is negative, a code that is not
        a commune code, a code present twice (French message with line and column).
    """
    path = Path(path)
    stat = path.stat() if path.is_file() else None
    if stat is None:
        raise DataError(f"APL communale non installée ({display_path(path)}).", hint=FETCH_HINT)
    return _read_apl_communes(path.absolute(), stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=2)
def _read_apl_communes(path: Path, mtime_ns: int, size: int) -> pd.DataFrame:
    label = display_path(path)
    columns = [f"apl_mg_{y}" for y in YEARS]
    raw = read_checked_csv(
        path, ["code_commune"], columns, key="code_commune", label=label, hint=_hint(label), line_index=True
    )
    codes = raw["code_commune"].str.strip()
    problems = [
        Problem(label, f"code {code!r} : code de commune à 5 caractères attendu", int(line), "code_commune")
        for line, code in codes[~codes.str.fullmatch(r"\d[0-9AB]\d{3}|97\d{3}")].items()
    ]
    for column in columns:
        problems += [
            Problem(label, f"valeur {value!r} négative", int(line), column)
            for line, value in raw[column][raw[column] < 0].items()
        ]
    if problems:
        raise DataError(f"{label} ne peut pas être utilisé tel quel.", problems[:50], hint=_hint(label))
    return pd.DataFrame({"code": codes, **{y: raw[f"apl_mg_{y}"].astype(float) for y in YEARS}}).reset_index(drop=True)


def apl_problem(settings: Settings) -> str | None:
    """French reason the APL by commune cannot be shown, or ``None`` when it can."""
    missing = [s for s in (SOURCE_ID, "cog", "population") if not is_installed(settings, get_source(s))]
    if missing:
        return f"Non installé (communes et moyennes) : {FETCH_HINT}"
    from cnrmap.indicators.communes import check_once

    try:
        check_once(local_file(settings, SOURCE_ID), read_apl_communes)
    except DataError as exc:
        return f"Indisponible : {exc}"
    return None


# --- Every commune of the COG with its values -------------------------------------------------------------------


@dataclass(frozen=True)
class AplTable:
    """Every COG 2026 commune (``code``, ``department``, ``region``, ``population``, one column per year).

    ``reasons``: commune → why it has no row at all; ``report``: the file's codes against the COG.
    """

    frame: pd.DataFrame
    reasons: dict[str, str]
    report: JoinReport


def _files_key(settings: Settings) -> tuple:
    key = []
    for source_id in (SOURCE_ID, "cog", "population"):
        path = local_file(settings, source_id)
        stat = path.stat()
        key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def apl_table(settings: Settings) -> AplTable:
    """The national table, built once per version of the three files.

    Raises
    ------
    DataError
        When a file is not installed or cannot be read.
    """
    problem = apl_problem(settings)
    if problem:
        raise DataError(f"APL par commune : {problem}", hint=FETCH_HINT)
    return _apl_table(settings, _files_key(settings))


@functools.lru_cache(maxsize=2)
def _apl_table(settings: Settings, files_key: tuple) -> AplTable:
    from cnrmap.geo.boundaries import load_cog
    from cnrmap.indicators.zoning import read_population_2023

    cog = load_cog(settings)
    raw = read_apl_communes(local_file(settings, SOURCE_ID))
    raw["current"] = raw["code"].map(cog.current_code)
    unknown = tuple(sorted(raw.loc[raw["current"].isna(), "code"]))
    # A former code whose current commune also has its own row is an older vintage of the same place: dropped.
    raw["own"] = raw["code"] == raw["current"]
    raw = raw.dropna(subset=["current"]).sort_values("own", ascending=False).drop_duplicates("current")
    raw = raw.drop(columns=["code", "own"]).rename(columns={"current": "code"})
    population = read_population_2023(local_file(settings, "population"))
    population["code"] = population["code"].map(lambda c: cog.arrondissements.get(c, c))
    weights = population.groupby("code")["population"].sum()
    frame = pd.DataFrame(
        [(code, dep, reg) for code, (_, dep, reg, _) in cog.communes.items()], columns=["code", "department", "region"]
    )
    frame["population"] = frame["code"].map(weights).astype(float)
    frame = frame.merge(raw, on="code", how="left")
    reasons = {}
    absent = frame.loc[frame[list(YEARS)].isna().all(axis=1), ["code", "department"]]
    for code, dep in absent.itertuples(index=False):
        if dep in ("2A", "2B", "976"):
            reasons[code] = _DEPARTMENT_REASONS[dep]
        elif code in PLM:
            reasons[code] = PLM_REASON
        elif cog.population(code) == 0:
            reasons[code] = UNINHABITED
        else:
            reasons[code] = NOT_IN_FILE
    report = compare_keys(
        frame["code"], raw["code"], "communes (COG 2026)", "APL communale DREES", reasons=reasons,
        notes=(f"{len(unknown)} code(s) du fichier sans commune du COG 2026 : {', '.join(unknown[:20])}",) if unknown
        else (),
    )  # fmt: skip
    return AplTable(frame, reasons, report)


# --- Values for a view ------------------------------------------------------------------------------------------


def check_years(year: str | None, from_year: str | None) -> str:
    """The year to show (default: the latest); raises :class:`DataError` for a year DREES did not publish."""
    shown = year or YEARS[-1]
    listed = ", ".join(YEARS)
    for asked in (shown, from_year):
        if asked is not None and asked not in YEARS:
            note = " (la DREES n'a pas publié 2020)" if asked == "2020" else ""
            raise DataError(
                f"Pas d'APL par commune pour l'année {asked!r}{note}.", hint=f"Années disponibles : {listed}."
            )
    if from_year is not None and from_year >= shown:
        raise DataError(
            f"Évolution de {from_year} à {shown} : l'année de départ doit précéder l'année affichée.",
            hint=f"Années disponibles : {listed}.",
        )
    return shown


def commune_series(table: AplTable, year: str, from_year: str | None) -> tuple[pd.Series, dict[str, str]]:
    """Value of every commune (the year's APL, or its change since ``from_year``) and why the others have none."""
    frame = table.frame.set_index("code")
    values = frame[year] if from_year is None else frame[year] - frame[from_year]
    reasons = {}
    for code in values.index[values.isna()]:
        if code in table.reasons:
            reasons[code] = table.reasons[code]
        else:
            reasons[code] = year_missing(year if pd.isna(frame.at[code, year]) else from_year)
    return values, reasons


def weighted_means(table: AplTable, values: pd.Series, by: str) -> pd.Series:
    """Means of ``values`` (by commune code) per ``department`` or ``region`` (``"FR"``: all), weighted by population."""
    frame = table.frame.assign(value=table.frame["code"].map(values))
    frame = frame[frame["value"].notna() & (frame["population"] > 0)]
    weighted = frame["value"] * frame["population"]
    if by == "FR":
        return pd.Series({"FR": weighted.sum() / frame["population"].sum()})
    return weighted.groupby(frame[by]).sum() / frame["population"].groupby(frame[by]).sum()


def _department_reasons(values: pd.Series, departments: list[str]) -> dict[str, str]:
    return {
        dep: _DEPARTMENT_REASONS.get(dep, "Aucune commune avec une valeur")
        for dep in departments
        if pd.isna(values.get(dep))
    }


def department_table_values(settings: Settings, year: str) -> dict[str, float]:
    """The committed department table's APL for ``year`` (empty for a year the table does not have)."""
    if year not in TABLE_YEARS:
        return {}
    table = indicator_table(settings, "apl_mg_departements.csv")
    table = table[table["code"] != "FR"]
    return dict(zip(table["code"], table[f"apl_mg_{year}"].astype(float), strict=True))


def _alongside(means: pd.Series, official: dict[str, float], year: str) -> dict[str, tuple[SideValue, ...]]:
    out = {}
    for code, table_value in official.items():
        mean = means.get(code)
        difference = None if mean is None or pd.isna(mean) else round(float(mean) - table_value, 2)
        caveat = "écart = moyenne des communes (carte) − table"
        if code in _CITY_LEFT_OUT:
            caveat += f" ; {_CITY_LEFT_OUT[code]}"
        out[code] = (
            SideValue(
                "table_departementale", f"{TABLE_LABEL}, {year}", table_value, format_value(table_value, UNIT, 2),
                difference, caveat,
            ),
        )  # fmt: skip
    return out


def apl_data(
    meta: Indicator,
    level: str,
    settings: Settings,
    departments: list[str] | None,
    year: str | None = None,
    from_year: str | None = None,
    france: bool = True,
) -> tuple[IndicatorData, JoinReport]:
    """The APL at ``level`` (commune or department) for ``year``, or its change since ``from_year``.

    Returns
    -------
    (IndicatorData, JoinReport)
        Values of the territories of ``departments`` (``None``: all); ``france_values`` over France (fixed
        breaks); region and France means as references; missing territories with their reason; at department
        level, the committed table's value beside each mean (years it has).

    Raises
    ------
    DataError
        Data not installed, a year DREES did not publish, a start year not before the year shown.
    """
    shown = check_years(year, from_year)
    table = apl_table(settings)
    communes, reasons = commune_series(table, shown, from_year)
    regions = weighted_means(table, communes, "region").round(2).to_dict()
    references = {**regions, "FR": round(float(weighted_means(table, communes, "FR")["FR"]), 2)}
    wanted = set(departments) if departments is not None else None
    notes: list[str] = []
    alongside: dict[str, tuple[SideValue, ...]] = {}
    if level == COMMUNE:
        in_view = table.frame["department"].isin(wanted) if wanted is not None else table.frame["department"].notna()
        expected = table.frame.loc[in_view, "code"]
        values = communes.reindex(expected)
        frame = pd.DataFrame({"code": values.index, "value": values.to_numpy()}).dropna(subset=["value"])
        france_frame = communes.dropna()
        missing = {code: reasons[code] for code in expected if code in reasons}
        report = compare_keys(expected, frame["code"], "communes (COG 2026)", f"APL {shown}", reasons=missing)
    else:
        from cnrmap.geo.boundaries import department_reference

        means = weighted_means(table, communes, "department")
        codes = sorted(wanted) if wanted is not None else sorted(department_reference(settings)["code"])
        frame = pd.DataFrame({"code": codes, "value": [means.get(c) for c in codes]}).dropna(subset=["value"])
        france_frame = means.dropna()
        missing = _department_reasons(means, codes)
        report = compare_keys(
            codes, frame["code"], "départements", f"APL {shown} (moyennes des communes)", reasons=missing
        )
        notes.append(MEAN_NOTE)
        if from_year is None:
            alongside = _alongside(means, department_table_values(settings, shown), shown)
    france_values = pd.DataFrame({"code": france_frame.index, "value": france_frame.to_numpy()}) if france else None
    if from_year is not None:
        notes.insert(0, sign_note(shown, from_year))
        label = f"Évolution de l'APL aux médecins généralistes, {from_year} → {shown}"
        unit, period = UNIT, f"{from_year}-{shown}"
    else:
        notes.append(f"Seuil usuel de sous-densité : APL < {format_number(THRESHOLD, 1)}")
        label, unit, period = f"{LABEL}, {shown}", UNIT, shown
    data = IndicatorData(
        id=meta.id, label=label, kind="numeric", level=level, values=frame.reset_index(drop=True), unit=unit,
        vintage=period, source=SOURCE + ("" if level == COMMUNE else " ; moyennes départementales : cnrmap"),
        higher_is_better=True, france_values=france_values, references=references, missing_reasons=missing,
        year=period, notes=tuple(notes), diverging=from_year is not None,
        threshold=0.0 if from_year is not None else THRESHOLD, alongside=alongside,
    )  # fmt: skip
    return data, report


def department_comparison(settings: Settings, year: str) -> pd.DataFrame:
    """Per department: the mean of its communes, the committed table's value and the difference (for reports)."""
    table = apl_table(settings)
    communes, _ = commune_series(table, year, None)
    means = weighted_means(table, communes, "department").round(2)
    official = department_table_values(settings, year)
    from cnrmap.geo.boundaries import department_reference

    frame = pd.DataFrame({"code": sorted(department_reference(settings)["code"])})
    frame["moyenne_communes"] = frame["code"].map(means)
    frame["table"] = frame["code"].map(official)
    frame["ecart"] = (frame["moyenne_communes"] - frame["table"]).round(2)
    frame["raison"] = frame["code"].map(lambda c: _DEPARTMENT_REASONS.get(c) or _CITY_LEFT_OUT.get(c, ""))
    return frame


__all__ = ["APL_ID", "DEPARTEMENT", "YEARS", "apl_data", "apl_problem", "apl_table", "check_years"]
