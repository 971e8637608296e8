"""The CNR data every view reads: the curated files plus what people recorded, and its export back to CSV.

:func:`load_data` is what the pages (``cnrmap.cached.cnr_data``), ``render``, ``export`` and decks load: the
curated rows of ``data/`` with the rows imported for other regions after them (an ``origin`` column says where
each row comes from), and the status history — the documents' entries, then the recorded ones.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.curated.history import CURATED_ORIGIN, combine, document_entries
from cnrmap.curated.load import CnrData, load_cnr_data, typed_frame
from cnrmap.curated.schema import MEETINGS, PROJECTS, PROPOSALS, STATUS_HISTORY, DatasetSchema
from cnrmap.records import db
from cnrmap.records.history import recorded_entries, status_history_rows

SCHEMAS: dict[str, DatasetSchema] = {"projects": PROJECTS, "proposals": PROPOSALS, "meetings": MEETINGS}


def imported_frames(settings: Settings) -> dict[str, pd.DataFrame]:
    """The imported rows of each dataset, typed like the curated ones, with ``origin`` (« Import n° 3 (…) »)."""
    out = {
        name: typed_frame(pd.DataFrame(columns=schema.column_names), schema, name) for name, schema in SCHEMAS.items()
    }
    if not db.exists(settings):
        return {name: frame.assign(origin=pd.Series(dtype="string")) for name, frame in out.items()}
    from sqlalchemy import select

    from cnrmap.records import tables

    with db.engine(settings).connect() as connection:
        imports = {
            r["id"]: f"Import n° {r['id']} ({r['filename']}, {r['imported_at'][:10]}, {r['imported_by']})"
            for r in connection.execute(select(tables.imports)).mappings()
        }
        for name, schema in SCHEMAS.items():
            table = tables.DATASET_TABLES[name]
            rows = connection.execute(select(table).order_by(table.c.import_id, table.c.line)).mappings().all()
            frame = pd.DataFrame([dict(r) for r in rows], columns=[*schema.column_names, "import_id", "line"])
            origin = frame["import_id"].map(imports).astype("string")
            text = frame[schema.column_names].astype("string").where(frame[schema.column_names].notna(), "")
            out[name] = typed_frame(text, schema, name).assign(origin=origin.to_numpy())
    return out


def _together(curated: pd.DataFrame, imported: pd.DataFrame, origin: str) -> pd.DataFrame:
    curated = curated.assign(origin=origin)
    if imported.empty:
        return curated.reset_index(drop=True)
    out = pd.concat([curated, imported[curated.columns]], ignore_index=True)
    return out.astype({c: curated[c].dtype for c in curated.columns})


def load_data(settings: Settings) -> CnrData:
    """The curated CNR data with every recorded row and status entry (what every view reads).

    Raises
    ------
    DataError
        If the curated files are invalid, or the database cannot be read.
    """
    curated = load_cnr_data(settings)
    if not db.exists(settings):
        return curated
    imported = imported_frames(settings)
    projects = _together(curated.projects, imported["projects"], CURATED_ORIGIN)
    proposals = _together(curated.proposals, imported["proposals"], "Données curées (data/proposals.csv)")
    meetings = _together(curated.meetings, imported["meetings"], "Données curées (data/meetings.csv)")
    origins = dict(zip(imported["projects"]["id"], imported["projects"]["origin"], strict=True))
    history = combine(
        curated.history,
        document_entries(imported["projects"], origin=origins),
        recorded_entries(settings),
    )
    return CnrData(
        projects, proposals, meetings, curated.contributions, curated.status_totals, curated.figures, history=history
    )


def export_files(settings: Settings) -> dict[str, bytes]:
    """Every recorded row as CSV files in the dictionary's columns, by file name.

    ``projects.csv``, ``proposals.csv``, ``meetings.csv`` (imported rows, the columns of ``data/``),
    ``status_history.csv`` (recorded status entries) and ``imports.csv`` (each import: file, date, who). UTF-8,
    comma-separated like ``data/``: a backup that ``cnrmap data import`` reads back, and a way into git.
    """
    from cnrmap.records.imports import imports_table

    frames = imported_frames(settings)
    files = {schema.path: _csv(frames[name][schema.column_names]) for name, schema in SCHEMAS.items()}
    files[STATUS_HISTORY.path] = _csv(status_history_rows(settings))
    files["imports.csv"] = _csv(imports_table(settings))
    return files


def export_all(settings: Settings, folder: Path) -> dict[str, int]:
    """Write :func:`export_files` into ``folder``; return the rows written per file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, content in export_files(settings).items():
        (folder / name).write_bytes(content)
        written[name] = len(pd.read_csv(io.BytesIO(content), dtype=str))
    return written


def export_zip(settings: Settings) -> bytes:
    """:func:`export_files` in one ZIP archive (the Données page's backup download)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in export_files(settings).items():
            archive.writestr(name, content)
    return out.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    """CSV like the files of ``data/``: UTF-8 without BOM, comma, decimal point, numbers as written."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


__all__ = ["export_all", "export_files", "export_zip", "imported_frames", "load_data"]
