"""Remember that the curated datasets passed validation, so that each new process does not check them again.

Checking every rule of the data dictionary and the 489 document figures takes about half a second at the start
of each server process (its first page and its first map wait for it), while ``data/`` only changes with a
commit. After a clean validation, a stamp named by the digest of every file of ``data/`` and of the source of
the rules is written in the cache; a later process that finds it skips the checks. Any change of a data file or
of a rule gives another digest, hence a new validation. A failed validation writes no stamp, and an unwritable
cache only means checking every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from pathlib import Path

from cnrmap.config import Settings
from cnrmap.filestore import write_atomically

# The modules whose code decides whether the data are valid (the checks, the schemas and their vocabularies).
RULE_MODULES = (
    "cnrmap.curated.checked",
    "cnrmap.curated.definitions",
    "cnrmap.curated.figures",
    "cnrmap.curated.load",
    "cnrmap.curated.schema",
    "cnrmap.curated.validate",
    "cnrmap.vocab",
)
STAMP_FOLDER = "curated-validated"


def data_digest(settings: Settings) -> str:
    """Digest of every file under ``settings.data_dir`` (names and bytes) and of the source of :data:`RULE_MODULES`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in settings.data_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(settings.data_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for name in RULE_MODULES:
        __import__(name)
        digest.update(Path(sys.modules[name].__file__).read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def stamp_path(settings: Settings, digest: str) -> Path:
    return settings.data_cache / STAMP_FOLDER / digest


def already_validated(settings: Settings, digest: str) -> bool:
    """Whether a process already validated the data of this digest."""
    return stamp_path(settings, digest).is_file()


def mark_validated(settings: Settings, digest: str) -> None:
    """Stamp the data of this digest as valid (call only after a clean validation); silent on a read-only cache."""
    with contextlib.suppress(OSError):
        write_atomically(stamp_path(settings, digest), "")
