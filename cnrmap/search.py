"""Place search for the map: regions, departments and (when the COG is installed) communes by name."""

from __future__ import annotations

from cnrmap.boundaries import load_cog
from cnrmap.codes import department_of_commune
from cnrmap.config import Settings
from cnrmap.datasets import load
from cnrmap.errors import DataError
from cnrmap.schema import DEPARTMENTS, REGIONS


def search_index(settings: Settings) -> dict[str, str]:
    """Entries « Name (code) » → ``region:CODE``, ``departement:CODE`` or ``commune:CODE``.

    Communes come from the fetched COG 2026 (``cnrmap fetch --only cog``); without it, only regions and
    departments can be searched.
    """
    entries: dict[str, str] = {}
    for row in load(REGIONS, settings).itertuples():
        entries[f"{row.name} (région {row.code})"] = f"region:{row.code}"
    for row in load(DEPARTMENTS, settings).itertuples():
        entries[f"{row.name} ({row.code})"] = f"departement:{row.code}"
    try:
        cog = load_cog(settings)
    except DataError:
        return entries
    for code, (name, *_rest) in sorted(cog.communes.items(), key=lambda item: item[1][0]):
        entries[f"{name} ({code})"] = f"commune:{code}"
    return entries


def territory_of(key: str) -> tuple[str, str | None]:
    """The map territory to show for a search entry, and the commune to point at (if any)."""
    kind, _, code = key.partition(":")
    if kind == "commune":
        return f"departement:{department_of_commune(code)}", code
    return key, None
