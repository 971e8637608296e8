"""Place search for the map: regions, departments and (when the COG is installed) communes by name."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from cnrmap.config import Settings
from cnrmap.curated.load import load
from cnrmap.curated.schema import DEPARTMENTS, REGIONS
from cnrmap.errors import DataError
from cnrmap.geo.boundaries import load_cog
from cnrmap.geo.codes import department_of_commune


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


def _folded(text: str) -> str:
    """Lower case without accents, hyphens or apostrophes as spaces: « Saint-Étienne » → « saint etienne »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("-", " ").replace("'", " ").replace("’", " ").split())


def folded_entries(entries: Iterable[str]) -> list[tuple[str, str]]:
    """``(folded, entry)`` pairs for :func:`find_places` (fold once, search many times)."""
    return [(_folded(entry), entry) for entry in entries]


def find_places(folded_index: Iterable[tuple[str, str]], query: str, limit: int = 30) -> list[str]:
    """Entries matching ``query`` (accents, case and hyphens ignored; codes work too).

    ``folded_index`` comes from :func:`folded_entries` of the :func:`search_index` keys. Names that start with
    the query come first (after the place whose code it is), then those with a word starting with it, then the
    others; at most ``limit``. Sending
    only these to the page keeps it light (France has about 35,000 communes).
    """
    wanted = _folded(query)
    if not wanted:
        return []
    ranked: list[tuple[int, int, str]] = []
    for folded, entry in folded_index:
        position = folded.find(wanted)
        if position < 0:
            continue
        if folded.endswith(f"({wanted})") or folded.endswith(f" {wanted})"):
            rank = -1  # the code itself (department 13, commune 13055, région 93)
        else:
            rank = 0 if position == 0 else 1 if folded[position - 1] in " (" else 2
        ranked.append((rank, len(entry), entry))
    return [entry for _, _, entry in sorted(ranked)[:limit]]
