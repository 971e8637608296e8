"""Download the catalog's files into the local cache, hash-checked and atomic (``cnrmap fetch``).

The command line is in :mod:`cnrmap.cli.fetch`. A mirror (``--from`` or ``CNRMAP_MIRROR``: a folder or a base URL laid out like ``shared/``) replaces
the official hosts entirely; without a mirror, files are taken from their official address. Files
already in the cache with the right hash are not downloaded again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pooch
import requests

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo.codes import ALL_DEPARTMENTS
from cnrmap.sources.catalog import Source, SourceFile, file_sha256, load_catalog

DOWNLOAD_TIMEOUT_S = 60
MIRROR_HINT = "Utilisez un miroir : cnrmap fetch --from DOSSIER_OU_URL (ou la variable CNRMAP_MIRROR)."


@dataclass
class FetchReport:
    """What a fetch did, file by file (paths in the mirror layout)."""

    downloaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    national_cache: str | None = None
    prepared: str | None = None

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    def summary(self) -> str:
        """French summary for the terminal."""
        lines = [
            f"{len(self.downloaded)} fichier(s) téléchargé(s), {len(self.present)} déjà présent(s), "
            f"{len(self.converted)} converti(s) en GeoParquet, {len(self.failed)} en échec."
        ]
        if self.repaired:
            lines.append(f"{len(self.repaired)} fichier(s) altéré(s) remplacé(s) : " + ", ".join(self.repaired))
        for path, message in self.failed:
            lines.append(f"- {path} : {message}")
        if self.national_cache:
            lines.append(self.national_cache)
        if self.prepared:
            lines.append(self.prepared)
        return "\n".join(lines)


def select_files(
    catalog: Sequence[Source],
    only: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
    all_departments: bool = False,
) -> list[tuple[Source, SourceFile]]:
    """Files a fetch should bring, in catalog order.

    Without ``only``: every dataset except optional ones and the per-department commune boundaries,
    plus the commune boundaries of ``departments`` (or of all departments with ``all_departments``).
    With ``only``: those datasets; a per-department dataset then needs ``departments`` or ``all_departments``.

    Raises
    ------
    DataError
        For an unknown dataset id, or per-department data requested without departments.
    """
    known = {s.id: s for s in catalog}
    unknown = [i for i in (only or []) if i not in known]
    if unknown:
        raise DataError(
            f"Jeu(x) de données inconnu(s) : {', '.join(map(repr, unknown))}.",
            hint=f"Jeux connus : {', '.join(known)}.",
        )
    wanted_departments = set(ALL_DEPARTMENTS) if all_departments else set(departments or [])
    selected: list[tuple[Source, SourceFile]] = []
    for source in catalog:
        if only is not None:
            if source.id not in only:
                continue
            if source.per_department and not wanted_departments:
                raise DataError(
                    f"Le jeu « {source.id} » est découpé par département : précisez lesquels.",
                    hint="Exemple : cnrmap fetch --only communes --departments 13,83 (ou --all).",
                )
        elif source.optional:
            continue
        for file in source.files:
            if source.per_department and file.department not in wanted_departments:
                continue
            selected.append((source, file))
    return selected


def _mirror_location(mirror: str, file: SourceFile) -> str:
    if "://" in mirror:
        return mirror.rstrip("/") + "/" + file.path
    return str(Path(mirror) / file.path)


def _copy_checked(origin: Path, dest: Path, sha256: str | None) -> None:
    """Copy ``origin`` to ``dest`` through a temporary file in the same folder; replace only if the hash matches."""
    if not origin.is_file():
        raise FileNotFoundError(origin)
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(origin, tmp)
        if sha256 is not None and file_sha256(tmp) != sha256:
            raise ValueError(f"empreinte SHA-256 différente de celle du catalogue pour {origin}")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _download_checked(url: str, dest: Path, sha256: str | None, progress: bool) -> None:
    """Download with pooch: it streams into a temporary file, checks the hash, then moves it."""
    try:
        import tqdm  # noqa: F401

        progressbar = progress
    except ModuleNotFoundError:
        progressbar = False
    downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=DOWNLOAD_TIMEOUT_S)
    dest.parent.mkdir(parents=True, exist_ok=True)
    pooch.retrieve(
        url,
        known_hash=f"sha256:{sha256}" if sha256 else None,
        fname=dest.name,
        path=dest.parent,
        downloader=downloader,
        progressbar=progressbar,
    )


def _french_failure(exc: BaseException, location: str) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"fichier absent du miroir ({location})."
    if isinstance(exc, requests.exceptions.HTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return f"le serveur a répondu HTTP {status} ({location})."
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return f"serveur injoignable ({location}) : pas de réseau ? {MIRROR_HINT}"
    if isinstance(exc, requests.exceptions.RequestException):
        return f"téléchargement interrompu ({location}) : {exc.__class__.__name__}. Relancez la commande."
    if isinstance(exc, ValueError):
        return f"fichier reçu altéré : empreinte SHA-256 différente de celle du catalogue ({location})."
    return f"{exc.__class__.__name__} ({location}) : {exc}"


def fetch_file(settings: Settings, source: Source, file: SourceFile, progress: bool = False) -> str:
    """Bring one file into the cache.

    Returns
    -------
    str
        ``"present"`` (already there with the right hash), ``"downloaded"`` or ``"repaired"``
        (was there but altered, replaced).

    Raises
    ------
    DataError
        With a French message when the file cannot be obtained; an altered file that could not be
        replaced is removed so that nothing uses it.
    """
    dest = source.local_path(settings, file)
    altered = False
    if dest.is_file():
        if file.sha256 is None or file_sha256(dest) == file.sha256:
            return "present"
        altered = True
    if settings.mirror:
        location = _mirror_location(settings.mirror, file)
    elif file.url:
        location = file.url
    else:
        raise DataError(
            "pas d'adresse officielle de téléchargement direct pour ce fichier (fichier dérivé ou recopié). "
            f"{MIRROR_HINT} Page officielle : {source.homepage}"
        )
    try:
        if "://" in location:
            _download_checked(location, dest, file.sha256, progress)
        else:
            _copy_checked(Path(location), dest, file.sha256)
    except (OSError, ValueError, requests.exceptions.RequestException) as exc:
        if altered:
            dest.unlink(missing_ok=True)
        prefix = "fichier du cache altéré et non remplacé (supprimé) ; " if altered else ""
        raise DataError(prefix + _french_failure(exc, location)) from exc
    if file.sha256 is None:
        logging.getLogger(__name__).info("%s : empreinte %s (non vérifiable)", file.path, file_sha256(dest))
    return "repaired" if altered else "downloaded"


def fetch(
    settings: Settings,
    only: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
    all_departments: bool = False,
    progress: bool = True,
    catalog: Sequence[Source] | None = None,
) -> FetchReport:
    """Download the selected files of the catalog into the local cache.

    Parameters
    ----------
    settings:
        Cache locations and mirror (``settings.mirror`` replaces the official hosts).
    only:
        Dataset ids to fetch; ``None`` for every non-optional dataset.
    departments:
        Departments whose commune boundaries to fetch.
    all_departments:
        Fetch the commune boundaries of every department.
    progress:
        Print one line per file on standard error.
    catalog:
        Catalog to use instead of ``cnrmap/sources.toml`` (tests inject unreachable hosts this way).

    Returns
    -------
    FetchReport
        What was downloaded, already present, converted, or failed (with a French reason).
    """
    from cnrmap.geo.boundaries import ensure_geoparquet

    own_catalog = catalog is None
    catalog = list(catalog) if catalog is not None else load_catalog()
    selected = select_files(catalog, only, departments, all_departments)
    report = FetchReport()
    pooch.get_logger().setLevel(logging.WARNING)
    for index, (source, file) in enumerate(selected, start=1):
        try:
            status = fetch_file(settings, source, file, progress=progress)
        except DataError as exc:
            report.failed.append((file.path, exc.message))
            _say(progress, f"[{index}/{len(selected)}] {file.path} : ÉCHEC — {exc.message}")
            continue
        if status == "present":
            report.present.append(file.path)
        else:
            report.downloaded.append(file.path)
            if status == "repaired":
                report.repaired.append(file.path)
        label = {"present": "déjà présent", "downloaded": "téléchargé", "repaired": "altéré, remplacé"}[status]
        _say(progress, f"[{index}/{len(selected)}] {file.path} : {label}")
        if source.cache == "boundary":
            with contextlib.suppress(DataError):
                if ensure_geoparquet(source.local_path(settings, file)):
                    report.converted.append(file.path)
    if all_departments and own_catalog:
        report.national_cache = build_national_cache(settings, progress)
    if own_catalog:
        report.prepared = prepare_run_time_files(settings)
    return report


def prepare_run_time_files(settings: Settings) -> str:
    """Write now what the app would otherwise write into the cache at its first use.

    The department shapes simplified for each display scale (``departements-simplifies/``) and the stamps of
    the commune tables already read without error (``*.lu``): a cache made read-only after ``cnrmap fetch``
    (shared by several app processes) is then never written to. Without them the app still works on a
    read-only cache: each process simplifies (0.5 s) and checks the tables once, in memory.

    Returns
    -------
    str
        French sentence for the summary.
    """
    from cnrmap.geo import shapes, simplify
    from cnrmap.indicators.communes import commune_data_installed, commune_problems

    done = []
    try:
        shapes.department_scales(settings, simplify.SCALES)
        done.append("départements simplifiés pour chaque échelle")
    except DataError as exc:
        return f"Fichiers dérivés non préparés : {exc.message}"
    if commune_data_installed(settings):
        commune_problems(settings)  # reads the commune tables once and stamps them
        done.append("tables communales vérifiées")
    return "Fichiers dérivés prêts (" + ", ".join(done) + ") : le cache peut être partagé en lecture seule."


def build_national_cache(settings: Settings, progress: bool = False) -> str:
    """Build the national commune cache (one :func:`cnrmap.geo.boundaries.load_communes` over installed departments).

    Done at the end of ``cnrmap fetch --all`` so that the first national map reads one file instead of
    reconciling a hundred departments. Does nothing if the cache is already fresh.

    Returns
    -------
    str
        French sentence for the summary (what was done, or why not).
    """
    import time

    from cnrmap.geo import boundaries

    installed = boundaries.installed_commune_departments(settings)
    if not installed:
        return "Cache national des communes : aucun contour communal installé."
    _say(progress, f"Cache national des communes ({len(installed)} départements)…")
    start = time.perf_counter()
    try:
        layer = boundaries.load_communes(settings, installed)
    except DataError as exc:
        return f"Cache national des communes non construit : {exc.message}"
    return (
        f"Cache national des communes prêt : {len(layer.gdf)} communes de {len(installed)} départements "
        f"({time.perf_counter() - start:.1f} s)."
    )


def _say(enabled: bool, line: str) -> None:
    if enabled:
        print(line, file=sys.stderr, flush=True)
