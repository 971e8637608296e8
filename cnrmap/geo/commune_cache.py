"""One national GeoParquet of the COG 2026 communes, plus versions simplified once per display scale.

:func:`cnrmap.geo.boundaries.load_communes` reconciles each department's 2018 shapes with the COG 2026 and
caches the result per department; reading 101 such files and their reports takes seconds. Once all the
installed departments have been reconciled, :func:`build` writes them as one file (sorted by department,
so that a department is a cheap filtered read) and simplifies the whole national coverage once per scale of
:data:`cnrmap.leaflet.simplify.SCALES` with ``shapely.coverage_simplify`` (borders between departments stay shared).
A manifest records the size and date of every source file and the per-department join reports; any change
makes the cache stale and it is ignored (then rebuilt by the next national load).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from cnrmap.config import Settings
from cnrmap.geo import simplify
from cnrmap.geo.reconcile import JoinReport

FOLDER = "communes-cog2026"
MANIFEST = "manifest.json"
VERSION = 2
# Scales whose whole national layer is also kept arc-encoded (:func:`cnrmap.geo.topology.encode_coverage`): the map
# of every commune of France then costs no encoding (1 s and 200 MB of memory otherwise).
ENCODED_SCALES = ("france",)


def folder(settings: Settings) -> Path:
    """Folder of the national commune cache."""
    return settings.boundary_cache / FOLDER


def path_for(settings: Settings, scale: str | None = None) -> Path:
    """National GeoParquet: full resolution (``scale=None``) or simplified for ``scale``."""
    return folder(settings) / (f"communes.{scale}.parquet" if scale else "communes.parquet")


def encoded_path(settings: Settings, scale: str) -> Path:
    """Arc encoding of the national layer simplified for ``scale`` (JSON)."""
    return folder(settings) / f"communes.{scale}.arcs.json"


def source_signature(sources: dict[str, Path], cog_path: Path) -> dict[str, list[int]]:
    """Size and modification time (ns) of each department's source file and of the COG."""
    out = {}
    for department, path in sorted(sources.items()):
        st = path.stat()
        out[department] = [st.st_size, st.st_mtime_ns]
    st = cog_path.stat()
    out["cog"] = [st.st_size, st.st_mtime_ns]
    return out


def _report_to_json(report: JoinReport) -> dict:
    return {k: (dict(v) if k == "reasons" else list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(report).items()}  # fmt: skip


def _report_from_json(raw: dict) -> JoinReport:
    return JoinReport(
        left=raw["left"],
        right=raw["right"],
        matched=int(raw["matched"]),
        unmatched_left=tuple(raw["unmatched_left"]),
        unmatched_right=tuple(raw["unmatched_right"]),
        reasons=dict(raw["reasons"]),
        notes=tuple(raw["notes"]),
    )


def write(
    settings: Settings,
    gdf: gpd.GeoDataFrame,
    reports: dict[str, JoinReport],
    signature: dict[str, list[int]],
) -> None:
    """Write the national file, its simplified versions and the manifest (atomically, manifest last).

    Parameters
    ----------
    settings : Settings
        Where the boundary cache is.
    gdf : GeoDataFrame
        Reconciled communes of every installed department (``code``, ``name``, ``department_code``,
        ``codes_2018``, geometry in EPSG:4326).
    reports : dict
        Join report of each department.
    signature : dict
        :func:`source_signature` of the files ``gdf`` was made from.
    """
    from cnrmap.geo import topology

    target = folder(settings)
    target.mkdir(parents=True, exist_ok=True)
    (target / MANIFEST).unlink(missing_ok=True)
    gdf = gdf.sort_values(["department_code", "code"], kind="stable").reset_index(drop=True)
    _write_parquet(gdf, path_for(settings))
    for scale in simplify.SCALES:
        simplified = gdf[["code", "name", "department_code"]].copy()
        simplified = gpd.GeoDataFrame(
            simplified, geometry=simplify.simplify_geometries(gdf.geometry.to_numpy(), scale), crs=gdf.crs
        )
        _write_parquet(simplified, path_for(settings, scale))
        if scale in ENCODED_SCALES:
            encoded = topology.encode_coverage(simplified.geometry.to_numpy())
            tmp = encoded_path(settings, scale).with_suffix(".part")
            tmp.write_text(json.dumps({"features": len(simplified), **encoded}), encoding="utf-8")
            os.replace(tmp, encoded_path(settings, scale))
    manifest = {
        "version": VERSION,
        "signature": signature,
        "reports": {d: _report_to_json(r) for d, r in sorted(reports.items())},
    }
    tmp = target / (MANIFEST + ".part")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target / MANIFEST)


def _write_parquet(gdf: gpd.GeoDataFrame, path: Path) -> None:
    tmp = path.with_suffix(".parquet.part")
    # Small row groups: reading one department skips the others.
    gdf.to_parquet(tmp, row_group_size=2000)
    os.replace(tmp, path)


def read_manifest(settings: Settings, sources: dict[str, Path], cog_path: Path) -> dict | None:
    """The manifest if the cache is complete and made from exactly these source files, else ``None``."""
    path = folder(settings) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("version") != VERSION:
        return None
    try:
        if manifest.get("signature") != source_signature(sources, cog_path):
            return None
    except OSError:
        return None
    return manifest


def read(
    settings: Settings,
    manifest: dict,
    departments: Sequence[str],
    scale: str | None = None,
) -> tuple[gpd.GeoDataFrame, JoinReport | None]:
    """Communes of ``departments`` from the national cache (full resolution or simplified for ``scale``).

    Returns
    -------
    (GeoDataFrame, JoinReport or None)
        Communes sorted by department then code, and the combined join report of those departments.
    """
    wanted = list(dict.fromkeys(departments))
    all_departments = set(manifest["reports"])
    filters = None if set(wanted) >= all_departments else [("department_code", "in", wanted)]
    gdf = gpd.read_parquet(path_for(settings, scale), filters=filters)
    if filters is not None:
        # Keep the order of the requested departments, as the per-department path does.
        order = {d: i for i, d in enumerate(wanted)}
        gdf = gdf.iloc[gdf["department_code"].map(order).argsort(kind="stable")].reset_index(drop=True)
    elif scale in ENCODED_SCALES:
        _remember_encoding(settings, gdf, scale)
    report = None
    for department in wanted:
        part = _report_from_json(manifest["reports"][department])
        report = part if report is None else report.combine(part)
    return gdf, report


def _remember_encoding(settings: Settings, gdf: gpd.GeoDataFrame, scale: str) -> None:
    """Hand the stored arc encoding of the whole national layer to the encoder's memo (if it is there and fits)."""
    from cnrmap.geo import topology

    try:
        encoded = json.loads(encoded_path(settings, scale).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(encoded, dict) and encoded.pop("features", None) == len(gdf):
        topology.remember_encoding(gdf.geometry.to_numpy(), encoded)


def frame_for_view(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplified layers have no ``codes_2018``: add an empty one so that columns match the full layer."""
    if "codes_2018" not in gdf.columns:
        gdf = gdf.copy()
        gdf.insert(3, "codes_2018", pd.Series([""] * len(gdf), index=gdf.index, dtype=object))
    return gdf
