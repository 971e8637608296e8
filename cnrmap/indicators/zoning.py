"""GP zoning (ZIP / ZAC / HZ / ZAR / ND) per commune, per arrondissement and per department.

The source zones Paris, Marseille and Lyon by municipal arrondissement. For the commune-level map,
the parent commune gets the category that holds the largest share of its population (INSEE 2023
municipal population of the arrondissements); the arrondissement detail stays available through
:func:`arrondissement_zoning`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cnrmap.errors import DataError, Problem
from cnrmap.geo.codes import departments_of, normalize_commune_code, normalize_department_code
from cnrmap.geo.reconcile import JoinReport, compare_keys
from cnrmap.sources.checked_csv import MAX_LISTED, display_path, read_checked_csv
from cnrmap.vocab import ZONING

ZONING_CODES: tuple[str, ...] = tuple(ZONING)


def plm_parent(code: str) -> str | None:
    """Parent commune of a Paris/Marseille/Lyon arrondissement code, else ``None``."""
    if code.startswith("751") and "75101" <= code <= "75120":
        return "75056"
    if "13201" <= code <= "13216":
        return "13055"
    if "69381" <= code <= "69389":
        return "69123"
    return None


# Codes already in canonical form are kept as they are; only the others go through the (slow) normaliser.
_CANONICAL_COMMUNE = r"(?:\d{2}|2[AB])\d{3}"
_CANONICAL_DEPARTMENT = r"0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-8]|98[4-9]"


def _normalized(
    values: pd.Series, pattern: str, normalize: Callable[[object], str], label: str = "", hint: str | None = None
) -> pd.Series:
    """``values.map(normalize)``, vectorised for the values that already match ``pattern``.

    A value ``normalize`` rejects raises :class:`DataError` quoting it with its line (``values``
    indexed by file line numbers).
    """
    canonical = values.str.fullmatch(pattern).fillna(False).astype(bool)
    if pattern == _CANONICAL_COMMUNE:
        canonical &= ~values.str.startswith("00").fillna(False).astype(bool)
    if canonical.all():
        return values.copy()
    out = values.copy()
    problems: list[Problem] = []
    for line, value in values[~canonical].items():  # only the few non-canonical codes
        try:
            out[line] = normalize(value)
        except ValueError:
            problems.append(Problem(label, f"code {value!r} invalide", row=int(line), column=str(values.name)))
    if problems:
        extra = len(problems) - MAX_LISTED
        problems = problems[:MAX_LISTED] + (
            [Problem(label, f"… et {extra} autre(s) code(s) invalide(s)")] if extra > 0 else []
        )
        raise DataError(f"{label} contient des codes invalides.", problems, hint=hint)
    return out


ZONING_HINT = "Téléchargez à nouveau le fichier : cnrmap fetch --only zonage_mg"
POPULATION_HINT = "Téléchargez à nouveau le fichier : cnrmap fetch --only population"


def _file_key(path: Path, hint: str | None = None) -> tuple[Path, int, int]:
    """Cache key of a file: its path, modification time and size (a changed file is read again)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise DataError(f"Fichier introuvable : {display_path(path)}.", hint=hint) from exc
    return path.absolute(), stat.st_mtime_ns, stat.st_size


def read_zoning(path: Path, hint: str = ZONING_HINT) -> pd.DataFrame:
    """Read ``zonage_mg_communes_insee.csv`` (parsed once per file version; a copy is returned).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``type`` (``commune`` or ``arrondissement_municipal``),
        ``department_code``, ``region_code``, ``zoning`` (one of :data:`ZONING_CODES`).

    Raises
    ------
    DataError
        If the file cannot be read (see :func:`cnrmap.sources.checked_csv.read_checked_csv`), a code is invalid
        or duplicated, or a zoning value is not in the vocabulary; ``hint`` says what to do.
    """
    return _read_zoning(*_file_key(path, hint), hint).copy()


@functools.lru_cache(maxsize=2)
def _read_zoning(path: Path, mtime_ns: int, size: int, hint: str) -> pd.DataFrame:
    label = display_path(path)
    columns = ["code_insee", "nom_cog_2026", "type", "code_departement", "code_region", "zonage"]
    raw = read_checked_csv(path, columns, key="code_insee", label=label, hint=hint, line_index=True)
    frame = pd.DataFrame(
        {
            "code": _normalized(raw["code_insee"], _CANONICAL_COMMUNE, normalize_commune_code, label, hint),
            "name": raw["nom_cog_2026"],
            "type": raw["type"],
            "department_code": _normalized(
                raw["code_departement"], _CANONICAL_DEPARTMENT, normalize_department_code, label, hint
            ),
            "region_code": raw["code_region"],
            "zoning": raw["zonage"].str.strip(),
        }
    )
    unknown = ~frame["zoning"].isin(ZONING_CODES)
    if unknown.any():
        cells = frame.loc[unknown, "zoning"]
        problems = [
            Problem(label, f"catégorie de zonage {value!r} inconnue", row=int(line), column="zonage")
            for line, value in cells.iloc[:MAX_LISTED].items()
        ]
        raise DataError(
            f"{label} : catégories de zonage inconnues (attendu : {', '.join(ZONING_CODES)}).", problems, hint=hint
        )
    duplicated = frame["code"].duplicated(keep=False)
    if duplicated.any():  # same commune written two ways (« 1001 » and « 01001 »)
        cells = frame.loc[duplicated, "code"]
        problems = [
            Problem(label, f"code {value!r} en double", row=int(line), column="code_insee")
            for line, value in cells.iloc[:MAX_LISTED].items()
        ]
        raise DataError(f"{label} : codes de commune en double.", problems, hint=hint)
    return frame.reset_index(drop=True)


def read_population_2023(path: Path, hint: str = POPULATION_HINT) -> pd.DataFrame:
    """Read the INSEE 2023 legal populations (``;``-separated, arrondissements instead of PLM communes).

    Parsed once per file version; a copy is returned.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``department_code``, ``region_code``, ``population`` (municipal, int).

    Raises
    ------
    DataError
        If the file cannot be read, a code is invalid or duplicated, or a population is not a whole number.
    """
    return _read_population_2023(*_file_key(path, hint), hint).copy()


@functools.lru_cache(maxsize=2)
def _read_population_2023(path: Path, mtime_ns: int, size: int, hint: str) -> pd.DataFrame:
    label = display_path(path)
    raw = read_checked_csv(
        path,
        ["COM", "Commune", "DEP", "REG"],
        key="COM",
        integer_columns=["PMUN"],
        label=label,
        hint=hint,
        sep=";",
        line_index=True,
    )
    return pd.DataFrame(
        {
            "code": _normalized(raw["COM"], _CANONICAL_COMMUNE, normalize_commune_code, label, hint),
            "name": raw["Commune"],
            "department_code": _normalized(raw["DEP"], _CANONICAL_DEPARTMENT, normalize_department_code, label, hint),
            "region_code": raw["REG"],
            "population": raw["PMUN"],
        }
    ).reset_index(drop=True)


def read_population_2020(path: Path, hint: str = POPULATION_HINT) -> pd.DataFrame:
    """Read the INSEE 2020 legal populations (code = first two characters of ``CODDEP`` + ``CODCOM``).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``department_code``, ``region_code``, ``population``.

    Raises
    ------
    DataError
        If the file cannot be read, a code is invalid or a population is not a whole number.
    """
    label = display_path(path)
    raw = read_checked_csv(
        path,
        ["CODDEP", "CODCOM", "COM", "CODREG"],
        key=["CODDEP", "CODCOM"],
        integer_columns=["PMUN"],
        label=label,
        hint=hint,
        sep=";",
        line_index=True,
    )
    codes = (raw["CODDEP"].str[:2] + raw["CODCOM"]).rename("CODCOM")
    return pd.DataFrame(
        {
            "code": _normalized(codes, _CANONICAL_COMMUNE, normalize_commune_code, label, hint),
            "name": raw["COM"],
            "department_code": _normalized(
                raw["CODDEP"], _CANONICAL_DEPARTMENT, normalize_department_code, label, hint
            ),
            "region_code": raw["CODREG"],
            "population": raw["PMUN"],
        }
    ).reset_index(drop=True)


def zoning_shares(zoning: pd.DataFrame, population: pd.DataFrame) -> tuple[pd.DataFrame, JoinReport]:
    """Population living in each zoning category, per department.

    Joins on the finest codes of both files (communes, and arrondissements for Paris, Marseille and
    Lyon), so no derived parent value is involved.

    Parameters
    ----------
    zoning:
        Columns ``code``, ``zoning``.
    population:
        Columns ``code``, ``population`` (and optionally ``department_code``).

    Returns
    -------
    tuple[pandas.DataFrame, JoinReport]
        One row per department: ``code``, ``population``, ``population_<CAT>`` and ``part_<CAT>_pct``
        for each category, ``population_sans_zonage`` (inhabitants of communes with no zoning row);
        and the report of the commune join (left: zoning codes without population; right: populated
        communes without zoning).
    """
    merged = population[["code", "population"]].merge(zoning[["code", "zoning"]], on="code", how="left")
    merged["department_code"] = departments_of(merged["code"])
    merged["zoning"] = merged["zoning"].fillna("sans_zonage")
    table = merged.pivot_table(
        index="department_code", columns="zoning", values="population", aggfunc="sum", fill_value=0
    )
    for category in (*ZONING_CODES, "sans_zonage"):
        if category not in table.columns:
            table[category] = 0
    result = pd.DataFrame({"code": table.index, "population": table.sum(axis=1).to_numpy()})
    for category in ZONING_CODES:
        result[f"population_{category}"] = table[category].to_numpy()
    result["population_sans_zonage"] = table["sans_zonage"].to_numpy()
    for category in ZONING_CODES:
        result[f"part_{category}_pct"] = (100 * result[f"population_{category}"] / result["population"]).round(2)
    report = compare_keys(zoning["code"], population["code"], "zonage médecins", "populations INSEE")
    return result.reset_index(drop=True), report


def arrondissement_zoning(zoning: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Zoning of the municipal arrondissements of Paris, Marseille and Lyon with their population.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``parent_code``, ``zoning``, ``population``.
    """
    arrondissements = zoning[zoning["code"].map(plm_parent).notna()][["code", "name", "zoning"]].copy()
    arrondissements["parent_code"] = arrondissements["code"].map(plm_parent)
    arrondissements = arrondissements.merge(population[["code", "population"]], on="code", how="left")
    return arrondissements[["code", "name", "parent_code", "zoning", "population"]]


def derive_parent_zoning(arrondissements: pd.DataFrame) -> pd.DataFrame:
    """Zoning of Paris, Marseille and Lyon as a whole: the category holding most of the population.

    Parameters
    ----------
    arrondissements:
        Output of :func:`arrondissement_zoning`.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (parent commune), ``zoning``, ``detail`` (French: population share per category).
    """
    rows = []
    for parent, group in arrondissements.groupby("parent_code", sort=True):
        by_category = group.groupby("zoning")["population"].sum().sort_values(ascending=False)
        total = by_category.sum()
        detail = ", ".join(f"{cat} {100 * pop / total:.0f} %" for cat, pop in by_category.items())
        rows.append(
            {
                "code": parent,
                "zoning": by_category.index[0],
                "detail": f"catégorie majoritaire en population des arrondissements ({detail})",
            }
        )
    return pd.DataFrame(rows, columns=["code", "zoning", "detail"])


def commune_zoning(zoning: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Zoning per commune for the map: communes as in the source, plus derived Paris/Marseille/Lyon.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``zoning``, ``derived`` (bool), ``detail`` (French, for derived rows).
    """
    communes = zoning[zoning["type"] == "commune"][["code", "zoning"]].assign(derived=False, detail="")
    parents = derive_parent_zoning(arrondissement_zoning(zoning, population)).assign(derived=True)
    return pd.concat([communes, parents], ignore_index=True)[["code", "zoning", "derived", "detail"]]
