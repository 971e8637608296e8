"""The declared catalog of external datasets (``cnrmap/sources.toml``).

One entry per dataset: who produces it, under which licence, which vintage, and for each file its
place in the mirror layout (also its place in the local cache), its official download address when
there is one, and its SHA-256.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cnrmap.config import Settings
from cnrmap.errors import DataError

CATALOG_PATH = Path(__file__).with_name("sources.toml")


@dataclass(frozen=True)
class SourceFile:
    """One file of a dataset.

    Attributes
    ----------
    path:
        Relative path in the mirror layout, e.g. ``opendata/cog/communes.json``; the file is cached
        under the same relative path.
    url:
        Official download address of these exact bytes, or ``None`` when only a mirror has them.
    sha256:
        Expected SHA-256 (hex), or ``None`` when the bytes are not known in advance.
    department:
        Department code for per-department files (commune boundaries), else ``None``.
    """

    path: str
    url: str | None
    sha256: str | None
    department: str | None = None

    @property
    def name(self) -> str:
        """Local file name."""
        return PurePosixPath(self.path).name


@dataclass(frozen=True)
class Source:
    """One external dataset of the catalog."""

    id: str
    title: str
    producer: str
    licence: str
    vintage: str
    homepage: str
    parser: str
    cache: str
    level: str
    files: tuple[SourceFile, ...]
    notes: str = ""
    optional: bool = False
    per_department: bool = False

    def cache_root(self, settings: Settings) -> Path:
        """Folder that holds this dataset's files (``settings.boundary_cache`` or ``settings.data_cache``)."""
        return settings.boundary_cache if self.cache == "boundary" else settings.data_cache

    def local_path(self, settings: Settings, file: SourceFile) -> Path:
        """Where ``file`` lives in the local cache."""
        return self.cache_root(settings) / file.path

    def file_for_department(self, department: str) -> SourceFile:
        """The file of a per-department dataset for ``department``."""
        for file in self.files:
            if file.department == department:
                return file
        raise DataError(f"Le jeu « {self.id} » n'a pas de fichier pour le département {department!r}.")


def load_catalog(path: Path | None = None) -> list[Source]:
    """Read the catalog of external datasets.

    Parameters
    ----------
    path:
        TOML file to read; defaults to ``cnrmap/sources.toml``.

    Returns
    -------
    list[Source]
        The datasets in declaration order.
    """
    path = Path(path) if path is not None else CATALOG_PATH
    return list(_parse_catalog(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _parse_catalog(path: Path, mtime_ns: int) -> tuple[Source, ...]:
    """Parse ``path`` once per modification time (sources are frozen, so sharing them is safe)."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    hosts: dict[str, str] = raw.get("hosts", {})
    sources = []
    for entry in raw["source"]:
        files = []
        for item in entry.get("files", []):
            url = item.get("url")
            host = item.get("host")
            if url is None and host is not None:
                if host not in hosts:
                    raise DataError(f"{path.name} : hôte inconnu {host!r} pour {item['path']!r}.")
                relative = PurePosixPath(item["path"])
                url = hosts[host] + str(PurePosixPath(*relative.parts[1:]))
            files.append(
                SourceFile(
                    path=item["path"],
                    url=url,
                    sha256=item.get("sha256") or None,
                    department=item.get("department"),
                )
            )
        sources.append(
            Source(
                id=entry["id"],
                title=entry["title"],
                producer=entry["producer"],
                licence=entry["licence"],
                vintage=entry["vintage"],
                homepage=entry["homepage"],
                parser=entry["parser"],
                cache=entry["cache"],
                level=entry["level"],
                files=tuple(files),
                notes=entry.get("notes", ""),
                optional=bool(entry.get("optional", False)),
                per_department=bool(entry.get("per_department", False)),
            )
        )
    return tuple(sources)


def get_source(source_id: str, catalog: list[Source] | None = None) -> Source:
    """The dataset ``source_id`` of the catalog; raises :class:`DataError` if unknown."""
    catalog = catalog if catalog is not None else load_catalog()
    for source in catalog:
        if source.id == source_id:
            return source
    known = ", ".join(s.id for s in catalog)
    raise DataError(f"Jeu de données inconnu : {source_id!r}.", hint=f"Jeux connus : {known}.")


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_installed(settings: Settings, source: Source, departments: list[str] | None = None) -> bool:
    """Whether the files of ``source`` are in the local cache (for per-department data: those of ``departments``)."""
    files = source.files
    if source.per_department and departments is not None:
        files = tuple(f for f in files if f.department in set(departments))
    return bool(files) and all(source.local_path(settings, f).is_file() for f in files)


def local_file(settings: Settings, source_id: str, index: int = 0) -> Path:
    """Where the ``index``-th file of source ``source_id`` is (or would be) in the local cache."""
    source = get_source(source_id)
    return source.local_path(settings, source.files[index])
