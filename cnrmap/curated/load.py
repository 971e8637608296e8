"""Typed loaders of the curated CSV datasets (``data/``).

Codes stay strings (``04``, ``2A``, ``13055``); numbers are parsed per the schema. Reading problems
(missing file, wrong encoding or separator, malformed CSV, missing column, bad numbers) raise
:class:`~cnrmap.errors.DataError` listing every problem at once, in French.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.curated import checked, figures
from cnrmap.curated.definitions import statuses_as_of
from cnrmap.curated.history import document_dates, document_entries
from cnrmap.curated.schema import (
    ARRONDISSEMENTS,
    CNR_DATASETS,
    COMMUNES,
    DEPARTMENT_BOUNDS,
    DEPARTMENTS,
    DOCUMENT_FIGURES,
    MEETINGS,
    PROJECTS,
    PROPOSALS,
    REGIONS,
    DatasetSchema,
)
from cnrmap.curated.validate import validate_frames
from cnrmap.errors import DataError, Problem
from cnrmap.sources.checked_csv import decode_utf8

FIRST_DATA_LINE = 2  # line 1 is the header: row i of a frame is line i + 2 of the file


def _check_header(header: list[str], schema: DatasetSchema, label: str) -> None:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "point-virgule" if ";" in header[0] else "tabulation"
        raise DataError(
            f"{label} semble séparé par des {sep}s : les fichiers du projet utilisent la virgule.",
            hint="Réenregistrez-le avec la virgule comme séparateur.",
        )
    missing = [c.name for c in schema.columns if c.required and c.name not in header]
    if missing:
        raise DataError(
            f"{label} : colonne(s) obligatoire(s) absente(s).",
            [Problem(label, "colonne absente", row=1, column=name) for name in missing],
            hint=f"Colonnes attendues : {', '.join(schema.column_names)} (voir data/README.md).",
        )


def read_dataset_text(text: str, schema: DatasetSchema, label: str) -> pd.DataFrame:
    """Parse the CSV ``text`` of a dataset into a typed frame, or raise :class:`DataError`."""
    if not text.strip():
        raise DataError(f"{label} est vide.", hint="Restaurez le fichier depuis le dépôt (git checkout).")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip() for h in rows[0]]
    _check_header(header, schema, label)
    problems: list[Problem] = []
    body = []
    for index, row in enumerate(rows[1:]):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(
                    label,
                    f"{len(row)} champs au lieu de {len(header)} (guillemet non fermé, virgule en trop "
                    "ou fichier tronqué ?)",
                    row=index + FIRST_DATA_LINE,
                )
            )
            continue
        body.append((index + FIRST_DATA_LINE, row))
    frame = pd.DataFrame([r for _, r in body], columns=header, dtype="string")
    frame.index = pd.Index([line for line, _ in body], name="line")
    return typed_frame(frame, schema, label, problems)


def typed_frame(
    frame: pd.DataFrame, schema: DatasetSchema, label: str, problems: list[Problem] | None = None
) -> pd.DataFrame:
    """Give a frame of text cells (index: the file's line numbers) the schema's columns and number types.

    Missing optional columns are added empty; cells are stripped. Raises :class:`DataError` listing every
    number that cannot be read (and the ``problems`` already found), with file, line and column.
    """
    problems = list(problems or [])
    frame = frame.copy()
    for column in schema.columns:
        if column.name not in frame:
            frame[column.name] = pd.Series("", index=frame.index, dtype="string")
        frame[column.name] = frame[column.name].astype("string").fillna("").str.strip()
        if column.kind in ("float", "int"):
            problems += _parse_numbers(frame, column.name, column.kind, label)
    if problems:
        raise DataError(f"{label} ne peut pas être lu tel quel.", problems)
    for column in schema.columns:
        if column.kind == "float":
            frame[column.name] = pd.to_numeric(frame[column.name].replace("", None)).astype("float64")
        elif column.kind == "int":
            frame[column.name] = pd.to_numeric(frame[column.name].replace("", None)).astype("Int64")
    return frame


def _parse_numbers(frame: pd.DataFrame, name: str, kind: str, label: str) -> list[Problem]:
    problems = []
    for line, value in frame[name].items():
        if value == "":
            continue
        try:
            number = float(value)
        except ValueError:
            expected = "un nombre décimal avec un point" if kind == "float" else "un nombre entier"
            problems.append(Problem(label, f"valeur {value!r} : {expected} est attendu", line, name))
            continue
        if kind == "int" and not number.is_integer():
            problems.append(Problem(label, f"valeur {value!r} : un nombre entier est attendu", line, name))
    return problems


def read_dataset(path: Path, schema: DatasetSchema) -> pd.DataFrame:
    """Read one dataset file; see :func:`read_dataset_text`."""
    label = f"data/{schema.path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(
            f"Fichier introuvable : {label}.", hint="Restaurez-le depuis le dépôt (git checkout -- data/)."
        ) from exc
    hint = "Enregistrez le fichier en UTF-8 (dans un tableur : « CSV UTF-8 »)."
    return read_dataset_text(decode_utf8(raw, label, hint), schema, label)


def load(schema: DatasetSchema, settings: Settings) -> pd.DataFrame:
    return read_dataset(settings.data_dir / schema.path, schema)


def load_projects(settings: Settings) -> pd.DataFrame:
    return load(PROJECTS, settings)


def load_proposals(settings: Settings) -> pd.DataFrame:
    return load(PROPOSALS, settings)


def load_meetings(settings: Settings) -> pd.DataFrame:
    return load(MEETINGS, settings)


def load_document_figures(settings: Settings) -> pd.DataFrame:
    """The documents' territorial figures (``data/document_figures.csv``), read but not validated."""
    return load(DOCUMENT_FIGURES, settings)


@dataclass(frozen=True)
class Reference:
    """The code tables the curated datasets are checked against."""

    regions: pd.DataFrame
    departments: pd.DataFrame
    communes: pd.DataFrame
    department_bounds: pd.DataFrame
    arrondissements: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["code", "department_code"]))


def load_reference(settings: Settings) -> Reference:
    return Reference(
        regions=load(REGIONS, settings),
        departments=load(DEPARTMENTS, settings),
        communes=load(COMMUNES, settings),
        department_bounds=load(DEPARTMENT_BOUNDS, settings),
        arrondissements=load(ARRONDISSEMENTS, settings),
    )


@dataclass(frozen=True)
class CnrData:
    """The CNR santé datasets, validated, and the status history of the projects.

    ``projects`` keep the status their file gives; what a view shows is :meth:`projects_as_of`. ``history``
    defaults to the entries of the projects' own statuses (:func:`cnrmap.curated.history.document_entries`);
    ``status_totals`` are the regional totals the press kits print.
    ``figures`` are the documents' territorial figures (``data/document_figures.csv``), empty in small test
    fixtures.
    """

    projects: pd.DataFrame
    proposals: pd.DataFrame
    meetings: pd.DataFrame
    contributions: pd.DataFrame
    status_totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.history is None:
            object.__setattr__(self, "history", document_entries(self.projects, document_dates(self.status_totals)))

    def projects_as_of(self, as_of: dt.date | str) -> pd.DataFrame:
        """The projects with their status on ``as_of`` (:func:`cnrmap.curated.definitions.statuses_as_of`)."""
        return statuses_as_of(self.projects, self.history, as_of)


def load_cnr_data(settings: Settings) -> CnrData:
    """Load and validate the curated datasets; raise one :class:`DataError` listing every problem.

    Files already validated by an earlier process (same bytes, same rules) are not checked again
    (:mod:`cnrmap.curated.checked`); ``cnrmap validate`` always checks.
    """
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for schema in CNR_DATASETS:
        try:
            frames[schema.name] = load(schema, settings)
        except DataError as exc:
            problems += exc.problems or [Problem(f"data/{schema.path}", exc.message)]
    if problems:
        raise DataError("Les données du CNR santé ne peuvent pas être chargées.", problems)
    digest = checked.data_digest(settings)
    if not checked.already_validated(settings, digest):
        problems = validate_frames(frames, load_reference(settings))
        if problems:
            raise DataError(
                f"Les données du CNR santé contiennent {len(problems)} erreur(s).",
                problems,
                hint="Corrigez les lignes indiquées, puis vérifiez avec « cnrmap validate ».",
            )
        checked.mark_validated(settings, digest)
    return CnrData(
        frames["projects"],
        frames["proposals"],
        frames["meetings"],
        frames["contributions"],
        status_totals=frames["status_totals"],
        figures=frames["document_figures"],
    )


def validate(settings: Settings) -> tuple[list[Problem], dict[str, int]]:
    """Read and check the curated datasets; return the problems and the row count of each file.

    With a folder mirror that holds the seed documents (``<mirror>/seeds``), every figure's quote is also looked
    up in the line(s) it cites (count ``quotes_checked``).
    """
    reference = load_reference(settings)
    frames, problems = {}, []
    for schema in CNR_DATASETS:
        try:
            frames[schema.name] = load(schema, settings)
        except DataError as exc:
            problems += exc.problems or [Problem(f"data/{schema.path}", exc.message)]
    problems += validate_frames(frames, reference)
    counts = {name: len(frame) for name, frame in frames.items()}
    seeds = figures.seeds_folder(settings.mirror)
    if seeds is not None and "document_figures" in frames:
        problems += figures.quote_problems(frames["document_figures"], seeds)
        counts["quotes_checked"] = len(frames["document_figures"])
    return problems, counts
