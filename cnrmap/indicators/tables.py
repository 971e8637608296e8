"""The committed tables of official figures (``data/indicators/``), read once per file version and checked."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.sources.checked_csv import read_checked_csv


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


def table_hint(name: str) -> str:
    return (
        "Régénérez la table : python -m tools.build_tables --from MIROIR (MIROIR : dossier organisé comme "
        f"shared/), ou restaurez la version du dépôt : git checkout -- data/indicators/{name}"
    )


def indicator_table(settings: Settings, name: str) -> pd.DataFrame:
    """A committed table of ``data/indicators/`` (checked); raises :class:`DataError`."""
    path = settings.data_dir / "indicators" / name
    return _read_table(path, path.stat().st_mtime if path.is_file() else 0.0)


@functools.lru_cache(maxsize=16)
def _read_table(path: Path, mtime: float) -> pd.DataFrame:
    """One committed indicator table, checked (columns, numbers, unique codes); raises :class:`DataError`."""
    hint = table_hint(path.name)
    if not path.is_file():
        raise DataError(f"Table d'indicateurs absente : data/indicators/{path.name}.", hint=hint)
    schema = _TABLES.get(path.name, _TableSchema(()))
    return read_checked_csv(path, schema.text, schema.numeric, schema.key, hint=hint)


def table_problem(settings: Settings, name: str) -> str | None:
    """French reason why the table ``name`` cannot be used, or ``None`` when it can."""
    try:
        indicator_table(settings, name)
    except DataError as exc:
        return str(exc)
    return None
