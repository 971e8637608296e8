"""Commune-level values of the official indicators (zoning, population) from the fetched files, per file version."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo.codes import departments_of
from cnrmap.geo.reconcile import compare_keys
from cnrmap.indicators.spec import IndicatorValues
from cnrmap.indicators.zoning import commune_zoning, read_population_2023, read_zoning
from cnrmap.sources.catalog import get_source, is_installed, local_file

FETCH_DATA_HINT = "cnrmap fetch --only zonage_mg population cog"


def commune_data_installed(settings: Settings) -> bool:
    return all(is_installed(settings, get_source(s)) for s in ("zonage_mg", "population", "cog"))


def commune_problems(settings: Settings) -> dict[str, str | None]:
    """Per commune-level indicator, the French reason it cannot be shown (``None``: it can)."""
    if not commune_data_installed(settings):
        return {
            "zonage_mg": f"Niveau communal : {FETCH_DATA_HINT} puis cnrmap fetch --departments 13,83",
            "population": f"Niveau communal : {FETCH_DATA_HINT}",
        }
    try:
        check_once(local_file(settings, "population"), read_population_2023)
    except DataError as exc:
        reason = f"Niveau communal indisponible : {exc}"
        return {"zonage_mg": reason, "population": reason}
    try:
        check_once(local_file(settings, "zonage_mg"), read_zoning)
    except DataError as exc:
        return {"zonage_mg": f"Niveau communal indisponible : {exc}", "population": None}
    return {"zonage_mg": None, "population": None}


CHECKED_SUFFIX = ".lu"


def check_once(path: Path, reader: Callable[[Path], object]) -> None:
    """Read a fetched file with ``reader`` (which raises :class:`DataError`) unless this version already passed.

    A file that was read without error gets a stamp beside it (its size and date): listing the indicators
    of a new process then costs no parsing. Any change to the file makes the stamp stale. On a read-only
    cache (shared by several app processes) the stamp cannot be written: the process remembers it instead.
    """
    stamp = path.with_name(path.name + CHECKED_SUFFIX)
    stat = path.stat()
    signature = f"{stat.st_size} {stat.st_mtime_ns}"
    if (str(path), signature) in _PASSED:
        return
    try:
        if stamp.read_text(encoding="ascii") == signature:
            return
    except (OSError, ValueError):
        pass
    reader(path)
    _PASSED.add((str(path), signature))
    with contextlib.suppress(OSError):
        stamp.write_text(signature, encoding="ascii")


_PASSED: set[tuple[str, str]] = set()  # (path, size and date) of the files this process has read without error


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
        path = local_file(settings, source_id)
        stat = path.stat()
        key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def commune_values(settings: Settings, indicator_id: str, departments: list[str] | None) -> IndicatorValues:
    if not commune_data_installed(settings):
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
        frame = frame[_isin(frame["department"], wanted)]
    notes = national.notes
    if len(national.derived):
        derived = national.derived[_isin(national.derived["code"], expected)]
        notes = tuple(f"{r.code} : {r.detail}" for r in derived.itertuples())
    report = compare_keys(expected, frame["code"], "communes (COG 2026)", national.right, notes=notes)
    frame = frame.loc[_isin(frame["code"], expected), ["code", "value"]].reset_index(drop=True)
    return IndicatorValues(frame, report)


def _isin(values: pd.Series, wanted: Sequence[str]) -> pd.Series:
    """``values.isin(wanted)``; through Python strings, a hundred times faster than on Arrow strings here."""
    return values.astype(object).isin(wanted)


@functools.lru_cache(maxsize=4)
def _national_commune_values(settings: Settings, indicator_id: str, files_key: tuple) -> _NationalValues:
    from cnrmap.geo.boundaries import load_cog

    cog = load_cog(settings)
    population = read_population_2023(local_file(settings, "population"))
    expected: dict[str, list[str]] = {}
    for code, (_, dep, _, _) in cog.communes.items():
        expected.setdefault(dep, []).append(code)
    derived = pd.DataFrame({"code": pd.Series(dtype=str), "detail": pd.Series(dtype=str)})
    if indicator_id == "zonage_mg":
        zoning = commune_zoning(read_zoning(local_file(settings, "zonage_mg")), population)
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
    frame["department"] = departments_of(frame["code"])
    return _NationalValues(
        frame=frame,
        derived=derived,
        expected={dep: tuple(sorted(codes)) for dep, codes in expected.items()},
        right=right,
        notes=notes,
    )
