"""The offline base map: land and countries from Natural Earth, embedded small (``geo/embedded/basemap.json``).

The file holds the countries of a few windows (mainland France and its neighbours, the overseas
departments' neighbourhoods) in the compact arc encoding of :mod:`cnrmap.geo.topology`; it is made by
``python -m tools.embed_basemap`` (see ``geo/embedded/README.md``). On a France map with insets, the land
around each overseas department is moved into its frame with the same transform as the department.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo import insets as inset_geo
from cnrmap.geo import topology
from cnrmap import memory
from cnrmap.memo import Memo

BASEMAP_FILE = "basemap.json"
ATTRIBUTION = "Fond : Natural Earth (domaine public)"


@dataclass(frozen=True)
class BaseLand:
    """Land polygons ready to draw: compact encoding (``q``, ``a``, ``f``) and which features are France."""

    encoded: dict
    france: tuple[bool, ...]
    source: str


def _read(path: Path) -> tuple[np.ndarray, tuple[bool, ...], str]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        geoms = np.asarray(topology.decode_coverage(payload), dtype=object)
        return geoms, tuple(bool(f) for f in payload["france"]), str(payload["source"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"Fond de carte hors ligne illisible : {path} ({exc}).",
            hint="Régénérer le fichier : python -m tools.embed_basemap (voir geo/embedded/README.md).",
        ) from exc


_BASES: Memo[BaseLand] = Memo(8, "offline base", budget=memory.BASES_BUDGET)


def base_land(settings: Settings, shown: Sequence[inset_geo.Inset] = ()) -> BaseLand:
    """The embedded land, plus the land around each inset's territory moved into its frame.

    Raises
    ------
    DataError
        If the embedded file is missing or unreadable (French message, with how to rebuild it).
    """
    path = settings.embedded_geo_dir / BASEMAP_FILE
    try:
        stat = path.stat()
    except OSError as exc:
        raise DataError(
            f"Fond de carte hors ligne absent : {path}.",
            hint="Régénérer le fichier : python -m tools.embed_basemap (voir geo/embedded/README.md).",
        ) from exc
    key = (str(path), stat.st_mtime_ns, stat.st_size, tuple(i.key for i in shown))

    def compute() -> BaseLand:
        geoms, france, source = _read(path)
        extra, extra_france = [], []
        for inset in shown:
            window = inset.window()
            for geom, is_france in zip(geoms, france, strict=True):
                if geom is None or not geom.intersects(window):
                    continue
                part = shapely.intersection(geom, window)
                if part.is_empty:
                    continue
                extra.append(inset_geo.transform_geometries(np.array([part], dtype=object), inset, 3)[0])
                extra_france.append(is_france)
        all_geoms = np.asarray(list(geoms) + extra, dtype=object)
        encoded = topology.encode_coverage(all_geoms, decimals=3)
        return BaseLand({k: encoded[k] for k in ("q", "a", "f")}, france + tuple(extra_france), source)

    return _BASES.get_or_compute(key, compute)
