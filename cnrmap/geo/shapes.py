"""Boundaries as the map needs them: read once per file version, simplified once per display scale.

The loaders of :mod:`cnrmap.geo.boundaries` read files; these wrap them with memos keyed on the size and
date of the files they read, so a rerun costs a lookup and a changed file is read again. Layers returned
are shared between callers: nobody modifies them in place.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from cnrmap import memory
from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo import boundaries, commune_cache
from cnrmap.geo.simplify import simplify_for_scale
from cnrmap.memo import Memo, estimate_bytes
from cnrmap.sources.catalog import get_source


def file_state(path: Path) -> tuple[str, int, int] | tuple[str]:
    """Path, modification time and size of a file (just the path if it does not exist)."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path),)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _department_files(settings: Settings) -> tuple:
    """State of the files the department layer is read from (a change invalidates the memos)."""
    source = get_source("departements")
    fetched = source.local_path(settings, source.files[0])
    files = (
        fetched,
        boundaries.geoparquet_path(fetched),
        settings.embedded_geo_dir / boundaries.EMBEDDED_DEPARTMENTS,
        settings.data_dir / "reference" / "departements.csv",
    )
    return tuple(file_state(p) for p in files)


@functools.lru_cache(maxsize=4)
def _department_layer(settings: Settings, files_key: tuple) -> boundaries.BoundaryLayer:
    return boundaries.load_departments(settings)


def department_layer(settings: Settings) -> boundaries.BoundaryLayer:
    """:func:`cnrmap.geo.boundaries.load_departments`, read again only when one of its files changes."""
    return _department_layer(settings, _department_files(settings))


@functools.lru_cache(maxsize=8)
def _department_scale(settings: Settings, files_key: tuple, scale: str) -> gpd.GeoSeries:
    return boundaries.load_department_scale(settings, _department_layer(settings, files_key), scale)


def department_scales(settings: Settings, scales: Iterable[str]) -> dict[str, gpd.GeoSeries]:
    """Department geometries simplified for each of ``scales`` (:func:`cnrmap.geo.boundaries.load_department_scale`)."""
    files = _department_files(settings)
    return {scale: _department_scale(settings, files, scale) for scale in dict.fromkeys(scales)}


def simplified_departments(
    shapes: gpd.GeoDataFrame, scale: str, known: Mapping[str, gpd.GeoSeries]
) -> gpd.GeoDataFrame:
    """``shapes`` (departments, column ``code``) simplified for ``scale``: precomputed geometries when given."""
    simplified = known.get(scale)
    if simplified is None or not shapes["code"].isin(simplified.index).all():
        return simplify_for_scale(shapes, scale)
    out = shapes.to_crs(simplified.crs) if shapes.crs is not None else shapes.set_crs(simplified.crs)
    return out.set_geometry(
        gpd.GeoSeries(simplified.loc[shapes["code"]].to_numpy(), index=out.index, crs=simplified.crs)
    )


# Commune layers read from the national cache (a national layer is ~35,000 rows: few entries, bounded in bytes).
_COMMUNES: Memo[tuple[Any, bool]] = Memo(4, "communes", budget=memory.COMMUNES_BUDGET)


def communes_for_scale(settings: Settings, dep_codes: Sequence[str], scale: str) -> tuple[Any, bool]:
    """:func:`cnrmap.geo.boundaries.load_communes_for_scale`, remembered while the national cache is unchanged.

    Keyed on the departments, the scale and the size and date of the national cache files and of the sources
    its manifest vouches for; only layers read from that cache (already simplified) are remembered.
    """
    try:
        sources, cog_path = boundaries.commune_sources(settings, boundaries.installed_commune_departments(settings))
        files = (
            commune_cache.folder(settings) / commune_cache.MANIFEST,
            commune_cache.path_for(settings, scale),
            cog_path,
            *(sources[d] for d in sorted(sources)),
        )
        key = (settings, tuple(dep_codes), scale, tuple(file_state(p) for p in files))
    except (AttributeError, TypeError, ValueError, DataError):
        return boundaries.load_communes_for_scale(settings, dep_codes, scale)
    return _COMMUNES.get_or_compute(
        key, lambda: boundaries.load_communes_for_scale(settings, dep_codes, scale), keep=lambda result: result[1]
    )


# Commune names by layer identity (the national layer is shared across reruns). The entry holds a weak reference
# to the frame: the memo does not keep a layer alive, and an id is trusted only while its frame is.
_NAMES: Memo[tuple[weakref.ref, dict[str, str]]] = Memo(
    4, "commune names", budget=memory.NAMES_BUDGET, weigh=lambda entry: estimate_bytes(entry[1])
)


def commune_names(communes: gpd.GeoDataFrame | None) -> dict[str, str]:
    """Commune name by code of a layer, remembered for the last layers seen."""
    if communes is None:
        return {}
    known = _NAMES.get(id(communes))
    if known is not None and known[0]() is communes:
        return known[1]
    names = dict(zip(communes["code"].tolist(), communes["name"].tolist(), strict=True))
    _NAMES.put(id(communes), (weakref.ref(communes), names))
    return names
