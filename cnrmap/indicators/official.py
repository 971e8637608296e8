"""Access-to-care indicators: what exists, whether it is installed, and its values per territory.

Department-level figures come from the committed tables of ``data/indicators/`` (always available);
commune-level values need fetched files (``cnrmap fetch``). Reference values for tooltips use the
official region and France rows when the source has them (GP density, France APL), else sums
(populations, population shares) or a mean weighted by the source's own population (regional APL).
"""

from __future__ import annotations

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo.boundaries import department_reference
from cnrmap.geo.codes import normalize_department_code
from cnrmap.geo.reconcile import compare_keys
from cnrmap.indicators import apl
from cnrmap.indicators.communes import commune_problems, commune_values
from cnrmap.indicators.patients import patients_file, patients_indicator, patients_problem, read_patients_file
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT, Indicator, IndicatorValues
from cnrmap.indicators.tables import indicator_table, table_hint, table_problem
from cnrmap.vocab import ZONING

_INDICATOR_TABLES = {
    "densite_mg": "densite_mg_2024.csv",
    "apl_mg_2024": "apl_mg_departements.csv",
    "apl_mg_2023": "apl_mg_departements.csv",
    "part_pop_apl_inf_2_5": "apl_mg_departements.csv",
    "zonage_mg": "zonage_mg_departements.csv",
    "population": "population_departements.csv",
}


def _availability(department: str | None, commune: str | bool | None = True) -> dict[str, object]:
    """``levels``, ``installed`` and ``install_hint`` from the reasons each level cannot be shown.

    A reason is ``None`` when the level can be shown; ``commune=True``: no commune level at all.
    """
    levels = () if department else (DEPARTEMENT,)
    if commune is None:
        levels += (COMMUNE,)
    reasons = [r for r in (department, commune) if isinstance(r, str)]
    all_levels = (DEPARTEMENT,) if commune is True else (DEPARTEMENT, COMMUNE)
    return {"levels": levels, "installed": bool(levels), "install_hint": "\n".join(reasons), "all_levels": all_levels}


def list_indicators(settings: Settings) -> list[Indicator]:
    """Every indicator, with whether it can be shown now and how to install it if not.

    A committed table or fetched file that cannot be read does not raise: its indicator (or that
    level) is listed as unavailable, with the French reason and what to do in ``install_hint``.
    """
    communes = commune_problems(settings)
    tables = {name: table_problem(settings, name) for name in dict.fromkeys(_INDICATOR_TABLES.values())}

    def state(indicator_id: str) -> dict:
        return _availability(tables[_INDICATOR_TABLES[indicator_id]], communes.get(indicator_id, True))

    patients = patients_problem(settings)
    apl_problem = apl.apl_problem(settings)
    apl_source = "Moyennes départementales de l'APL communale DREES (agrégation tierce, pas un chiffre officiel DREES)"
    return [
        Indicator(
            "densite_mg", "Densité de médecins généralistes libéraux", "pour 100 000 habitants", "2024",
            "CNAM, data.ameli.fr, 2024 (ensemble des médecins généralistes libéraux)",
            kind="numeric", categories=None, higher_is_better=True, **state("densite_mg"),
        ),
        Indicator(
            apl.APL_ID, apl.LABEL, apl.UNIT, "2015-2019, 2021-2023", apl.SOURCE,
            levels=() if apl_problem else (DEPARTEMENT, COMMUNE), kind="numeric", categories=None,
            higher_is_better=True, installed=apl_problem is None, install_hint=apl_problem or "",
            all_levels=(DEPARTEMENT, COMMUNE), years=apl.YEARS,
        ),
        Indicator(
            "apl_mg_2024", "Accessibilité potentielle localisée (APL) aux médecins généralistes (table départementale)",
            "consultations par habitant et par an", "2024", apl_source,
            kind="numeric", categories=None, higher_is_better=True, **state("apl_mg_2024"),
        ),
        Indicator(
            "apl_mg_2023", "Accessibilité potentielle localisée (APL) aux médecins généralistes (table départementale)",
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
        patients_indicator(patients),
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
        table = indicator_table(settings, "densite_mg_2024.csv")
        table = table[table["level"] == "departement"]
        return pd.DataFrame({"code": table["code"], "value": table["densite_pour_100000"].astype(float)})
    if indicator_id in ("apl_mg_2024", "apl_mg_2023", "part_pop_apl_inf_2_5"):
        table = indicator_table(settings, "apl_mg_departements.csv")
        table = table[table["code"] != "FR"]
        column = {"part_pop_apl_inf_2_5": "part_population_apl_inf_2_5_pct"}.get(indicator_id, indicator_id)
        return pd.DataFrame({"code": table["code"], "value": table[column].astype(float)})
    if indicator_id == "zonage_mg":
        table = indicator_table(settings, "zonage_mg_departements.csv")
        return pd.DataFrame({"code": table["code"], "value": table["part_ZIP_pct"].astype(float)})
    if indicator_id == "population":
        table = indicator_table(settings, "population_departements.csv")
        return pd.DataFrame({"code": table["code"], "value": table["population_2023"].astype(float)})
    if indicator_id == "patients_sans_mt":
        return read_patients_file(patients_file(settings))
    raise DataError(f"Indicateur inconnu : {indicator_id!r}.")


def indicator_values(
    indicator_id: str,
    level: str,
    settings: Settings,
    departments: list[str] | None = None,
    year: str | None = None,
    from_year: str | None = None,
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
    year, from_year:
        For an indicator with years (APL by commune): the year shown (default: the latest), and the start year of
        an evolution (the value is then the change between the two).

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
            indicator_table(settings, _INDICATOR_TABLES[indicator_id])  # raises the reading problem, if any
        if level == DEPARTEMENT and indicator_id == "patients_sans_mt":
            read_patients_file(patients_file(settings))
        hint = indicator.install_hint or f"Niveaux disponibles : {', '.join(indicator.levels)}."
        raise DataError(f"L'indicateur « {indicator.label} » n'est pas disponible au niveau {level!r}.", hint=hint)
    wanted = [normalize_department_code(d) for d in departments] if departments is not None else None
    if indicator_id == apl.APL_ID:
        data, report = apl.apl_data(indicator, level, settings, wanted, year, from_year, france=False)
        return IndicatorValues(data.values, report)
    if level == COMMUNE:
        return commune_values(settings, indicator_id, wanted)
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
        table = indicator_table(settings, "densite_mg_2024.csv")
        table = table[table["level"].isin(["region", "france"])]
        return dict(zip(table["code"], table["densite_pour_100000"].astype(float), strict=True))
    if indicator_id in ("apl_mg_2024", "apl_mg_2023", "part_pop_apl_inf_2_5"):
        table = indicator_table(settings, "apl_mg_departements.csv")
        if not (table["code"] == "FR").any():
            raise DataError(
                "data/indicators/apl_mg_departements.csv : la ligne France (code « FR ») manque.",
                hint=table_hint("apl_mg_departements.csv"),
            )
        france = table[table["code"] == "FR"].iloc[0]
        table = table[table["code"] != "FR"].merge(departments, on="code")
        if indicator_id == "part_pop_apl_inf_2_5":
            sums = table.groupby("region_code")[["population_apl_inf_2_5", "population_totale"]].sum()
            result = (100 * sums["population_apl_inf_2_5"] / sums["population_totale"]).round(1).to_dict()
            return {**result, "FR": float(france["part_population_apl_inf_2_5_pct"])}
        return {**_population_weighted(table, indicator_id, "population_totale"), "FR": float(france[indicator_id])}
    if indicator_id == "population":
        table = indicator_table(settings, "population_departements.csv")
        sums = table.groupby("region_code")["population_2023"].sum().astype(float).to_dict()
        return {**sums, "FR": float(table["population_2023"].sum())}
    if indicator_id == "zonage_mg":
        table = indicator_table(settings, "zonage_mg_departements.csv").merge(departments, on="code")
        sums = table.groupby("region_code")[["population_ZIP", "population"]].sum()
        result = (100 * sums["population_ZIP"] / sums["population"]).round(2).to_dict()
        return {**result, "FR": round(float(100 * table["population_ZIP"].sum() / table["population"].sum()), 2)}
    if indicator_id == "patients_sans_mt":
        return {}
    raise DataError(f"Indicateur inconnu : {indicator_id!r}.")
