"""Another region's CNR data: a file read, checked with the curated rules, and added whole or not at all.

The steps of :func:`check_file`: read the bytes (:func:`read_upload`, CSV or XLSX), recognise the kind of file
from its headers (:mod:`cnrmap.records.columns`), tidy what spreadsheets do to cells (dates, decimal commas,
codes that lost their leading zero, vocabulary written as its French label — each tidy-up is reported),
type the numbers (:func:`cnrmap.curated.load.typed_frame`), then check **every rule of the data dictionary**
with the checkers of :mod:`cnrmap.curated.validate` (same French messages: file, row, column), plus what only
the database knows: identifiers already used, the template's example row left in. :func:`import_file` adds a
valid file in one transaction, tagged with its origin (file, date, who); any problem and nothing is added.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import pandas as pd

from cnrmap.config import Settings
from cnrmap.curated.load import CnrData, load_reference, typed_frame
from cnrmap.curated.validate import Rules, validate_frames
from cnrmap.errors import DataError, Problem
from cnrmap.geo.codes import departments_of
from cnrmap.records import db
from cnrmap.records.columns import EXAMPLE_PREFIX, KINDS, FileKind, fold, header_map
from cnrmap.records.history import EARLIEST, StatusUpdate, check_update, entry_values, now_text

_DATE_COLUMNS = {"status_date", "date"}
_CODE_COLUMNS = {"department_code", "region_code", "territory_code", "commune_code", "commune_codes"}
_FR_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_FR_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(:00)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


def read_upload(data: bytes, filename: str):
    """Read an uploaded or given file (CSV or XLSX) into a table of text cells, every row numbered.

    The one entry point for file bytes of this module: the importer's reader (encoding, separator and
    workbook detection, row limit) and, there, its limits on uploaded files.

    Raises
    ------
    DataError
        Empty, binary or unreadable file (French message).
    """
    from cnrmap.importer import MAX_BYTES, read_table

    if len(data) > MAX_BYTES:
        size, limit = len(data) / 1e6, MAX_BYTES / 1e6
        raise DataError(
            f"Le fichier {filename!r} fait {size:.1f} Mo, au-delà de la limite de {limit:.0f} Mo.".replace(".", ","),
            hint="Découpez-le en plusieurs fichiers (un par département, par exemple).",
        )
    return read_table(data, filename)


@dataclass
class FileCheck:
    """What :func:`check_file` found: the kind of file, its rows (dictionary columns), problems and notes."""

    kind: FileKind
    filename: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self) -> DataError:
        """The French error listing every problem (file, row, column)."""
        return DataError(
            f"{self.filename} : {len(self.problems)} problème(s), rien n'a été importé.",
            self.problems,
            hint="Corrigez les lignes indiquées dans le fichier, puis importez-le de nouveau en entier "
            "(un fichier est ajouté tout entier ou pas du tout).",
        )


def _recognise(columns: list[str], filename: str, asked: FileKind | None) -> tuple[FileKind, dict[str, str]]:
    """The kind of file and its column map (file header → dictionary column)."""
    candidates = [asked] if asked else list(KINDS.values())
    best: tuple[int, FileKind, dict[str, str]] | None = None
    for kind in candidates:
        known = header_map(kind)
        mapping = {c: known[fold(c)] for c in columns if fold(c) in known}
        score = len(required_of(kind) & set(mapping.values())) * 100 + len(mapping)
        if best is None or score > best[0]:
            best = (score, kind, mapping)
    assert best is not None
    _, kind, mapping = best
    missing = [c for c in kind.schema.column_names if c in required_of(kind) and c not in mapping.values()]
    problems = [Problem(filename, "colonne obligatoire absente", row=1, column=kind.headers[c]) for c in missing]
    problems += [
        Problem(filename, "colonne inconnue : renommez-la ou supprimez-la", row=1, column=c)
        for c in columns
        if c not in mapping
    ]
    if problems:
        raise DataError(
            f"{filename} : les colonnes ne sont pas celles d'un fichier de {kind.label}.",
            problems,
            hint="Colonnes attendues : "
            + ", ".join(f"« {kind.headers[c]} »" for c in kind.schema.column_names)
            + " (modèles sur la page Données ou « cnrmap data template »).",
        )
    return kind, mapping


def required_of(kind: FileKind) -> set[str]:
    return {c.name for c in kind.schema.columns if c.required}


def _tidy(frame: pd.DataFrame, kind: FileKind, notes: list[str]) -> pd.DataFrame:
    """Undo what spreadsheets do to cells, and say how many cells were changed."""
    counts: dict[str, int] = {}

    def change(what: str, series: pd.Series, new: pd.Series) -> pd.Series:
        n = int((series != new).sum())
        if n:
            counts[what] = counts.get(what, 0) + n
        return new

    vocabularies = {c.name: c.vocabulary for c in kind.schema.columns if c.vocabulary}
    for column in frame.columns:
        cells = frame[column].astype(str).str.strip()
        if column in _DATE_COLUMNS:
            new = cells.str.replace(_TIMESTAMP, r"\1", regex=True)
            new = new.str.replace(_FR_DAY, lambda m: f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}", regex=True)
            new = new.str.replace(_FR_MONTH, lambda m: f"{m[2]}-{int(m[1]):02d}", regex=True)
            cells = change("dates écrites en AAAA-MM-JJ", cells, new)
        elif column in ("lat", "lon"):
            cells = change("virgules décimales remplacées par un point", cells, cells.where(
                ~cells.str.match(_DECIMAL_COMMA), cells.str.replace(",", ".", regex=False)))  # fmt: skip
        elif column in _CODE_COLUMNS:
            cells = change("codes complétés de leur zéro initial", cells, cells.map(_pad_codes))
        elif column in vocabularies:
            cells = change("libellés remplacés par leur code", cells, cells.map(_vocabulary_key(vocabularies[column])))
        frame[column] = cells
    notes += [f"{n} cellule(s) : {what}." for what, n in counts.items()]
    return frame


def _pad_codes(cell: str) -> str:
    """Codes a spreadsheet read as numbers: ``4`` → ``04``, ``4112`` → ``04112`` (lists kept as lists)."""
    parts = [p.strip() for p in cell.replace(",", ";").split(";")]
    padded = ["0" + p if p.isdigit() and len(p) in (1, 4) else p for p in parts if p]
    return "; ".join(padded) if ";" in cell else (padded[0] if padded else "")


def _vocabulary_key(allowed: tuple[str, ...]):
    from cnrmap import vocab

    tables = (vocab.THEMES, vocab.THEME_SHORT, vocab.STATUSES, vocab.LOCATION_PRECISIONS, vocab.SCOPE_LEVELS,
              vocab.PROPOSAL_LEVELS, vocab.MEETING_KINDS)  # fmt: skip
    by_fold = {fold(k): k for k in allowed}
    for labels in tables:
        by_fold |= {fold(labels[k]): k for k in allowed if k in labels}
    return lambda cell: by_fold.get(fold(cell), cell) if cell else cell


def validation_reference(settings: Settings, cog=None):
    """Codes to check an imported file against: the committed tables, and every commune of the COG when it is
    installed (``cnrmap fetch --only cog``; the committed table only names the communes of the seed documents).

    ``cog``: the COG reference already loaded (:func:`cnrmap.importer.reference_for_settings`), if any.
    """
    from cnrmap.importer import reference_for_settings

    reference = load_reference(settings)
    communes = set(reference.communes["code"])
    try:
        communes |= set((cog or reference_for_settings(settings)).communes)
        complete = True
    except DataError:
        complete = False
    codes = pd.Series(sorted(communes), dtype="string")
    return SimpleNamespace(
        regions=reference.regions,
        departments=reference.departments,
        communes=pd.DataFrame({"code": codes, "department_code": departments_of(codes)}),
        department_bounds=reference.department_bounds,
        complete=complete,
    )


def _used_ids(current: CnrData, kind: FileKind) -> dict[str, str]:
    """Identifier → where it is already used (« les données curées », « l'import n° 3 (fichier) »)."""
    frame = getattr(current, kind.key)
    origins = frame["origin"] if "origin" in frame.columns else pd.Series("", index=frame.index)
    return {str(i): (str(o) if o and not pd.isna(o) else "les données curées") for i, o in zip(frame["id"], origins)}  # noqa: B905


def check_file(
    data: bytes,
    filename: str,
    settings: Settings,
    current: CnrData,
    kind: FileKind | None = None,
    today: dt.date | None = None,
    cog=None,
) -> FileCheck:
    """Read and check a file; the result lists every problem (nothing is written).

    Parameters
    ----------
    data, filename : bytes, str
        The file and the name to quote in messages.
    settings : Settings
        For the code reference.
    current : CnrData
        The data as it stands (curated and recorded): identifiers already used, projects that exist.
    kind : FileKind, optional
        The kind of file; recognised from the headers when not given.
    cog : cnrmap.importer.CodeIndex, optional
        The COG already loaded (read from the cache or mirror otherwise).

    Raises
    ------
    DataError
        When the file cannot be read as a table, or a required column is missing.
    """
    today = today or dt.date.today()
    raw = read_upload(data, filename)
    notes = list(raw.notes)
    table = raw.frame
    empty = [c for c in table.columns if c.startswith("colonne ") and not table[c].astype(str).str.strip().any()]
    table = table.drop(columns=empty)
    kind, mapping = _recognise(list(table.columns), filename, kind)
    table = table[~table.apply(lambda r: all(not str(v).strip() for v in r), axis=1)]
    frame = _tidy(table.rename(columns=mapping), kind, notes)
    frame = typed_frame(frame.astype("string"), kind.schema, filename)
    check = FileCheck(kind, filename, frame, notes=notes)
    if frame.empty:
        check.problems.append(Problem(filename, "aucune ligne de données sous l'en-tête"))
        return check
    key = "project_id" if kind.key == "status_history" else "id"
    for line, value in frame[key].items():
        if str(value).upper().startswith(EXAMPLE_PREFIX):
            check.problems.append(
                Problem(filename, "ligne d'exemple du modèle : remplacez-la par vos données ou supprimez-la", line, key)
            )
    if kind.key == "status_history":
        _check_updates(check, current, today)
        return _as_in_file(check, mapping)
    reference = validation_reference(settings, cog)
    rules = Rules(seed_sources=False, date_range=(EARLIEST, today), label=filename)
    check.problems += validate_frames({kind.key: frame}, reference, rules)
    used = _used_ids(current, kind)
    for line, value in frame["id"].items():
        if value in used:
            check.problems.append(
                Problem(filename, f"identifiant {value!r} déjà utilisé par {used[value]}", line, "id")
            )
    if not reference.complete and any("inconnue (code INSEE" in p.message for p in check.problems):
        check.notes.append(
            "Seules les communes des documents du CNR santé sont connues ici : installez le référentiel complet "
            "avec « cnrmap fetch --only cog » pour vérifier les autres."
        )
    return _as_in_file(check, mapping)


def _as_in_file(check: FileCheck, mapping: dict[str, str]) -> FileCheck:
    """Problems name the columns as the file's own header does (« Code département », not department_code)."""
    header_of = {column: header for header, column in mapping.items()}
    check.problems = [replace(p, column=header_of.get(p.column, p.column)) if p.column else p for p in check.problems]
    return check


def _check_updates(check: FileCheck, current: CnrData, today: dt.date) -> None:
    known = set(current.projects["id"])
    for line, row in check.frame.iterrows():
        update = StatusUpdate(str(row["project_id"]), str(row["date"]), str(row["status"]), str(row["source"]),
                              str(row["comment"]), str(row["recorded_by"]))  # fmt: skip
        check.problems += [
            p
            for p in check_update(update, known, where=check.filename, row=int(line), today=today)
            if not p.message.startswith("projet 'EXEMPLE")
        ]


@dataclass(frozen=True)
class ImportSummary:
    """A file added: its import number, kind, rows and the notes of its reading."""

    import_id: int
    kind: FileKind
    filename: str
    rows: int
    notes: tuple[str, ...]

    def sentence(self) -> str:
        return f"{self.filename} : {self.rows} ligne(s) de {self.kind.label} ajoutée(s) (import n° {self.import_id})."


def import_file(
    settings: Settings,
    data: bytes,
    filename: str,
    who: str,
    current: CnrData,
    kind: FileKind | None = None,
    cog=None,
) -> ImportSummary:
    """Check a file and add it whole, in one transaction, tagged with its origin (file, date, who).

    Raises
    ------
    DataError
        Listing every problem; nothing is added then.
    """
    check = check_file(data, filename, settings, current, kind, cog=cog)
    if not check.ok:
        raise check.error()
    from sqlalchemy.exc import IntegrityError

    from cnrmap.records import tables

    frame, kind = check.frame, check.kind
    try:
        with db.writing(db.engine(settings)) as connection:
            result = connection.execute(
                tables.imports.insert().values(
                    kind=kind.key,
                    filename=filename,
                    sha256=hashlib.sha256(data).hexdigest(),
                    imported_at=now_text(),
                    imported_by=who.strip() or "inconnu",
                    rows=len(frame),
                )
            )
            import_id = int(result.inserted_primary_key[0])
            connection.execute(_insert(kind), _rows(frame, kind, import_id, filename, who))
    except IntegrityError as exc:
        raise DataError(
            f"{filename} : un identifiant vient d'être ajouté par quelqu'un d'autre ; rien n'a été importé.",
            hint="Rechargez la page pour voir les données à jour, puis réessayez.",
        ) from exc
    return ImportSummary(import_id, kind, filename, len(frame), tuple(check.notes))


def _insert(kind: FileKind):
    from cnrmap.records import tables

    return tables.status_entries.insert() if kind.key == "status_history" else tables.DATASET_TABLES[kind.key].insert()


def _rows(frame: pd.DataFrame, kind: FileKind, import_id: int, filename: str, who: str) -> list[dict]:
    if kind.key == "status_history":
        origin = f"Import n° {import_id} ({filename})"
        return [
            entry_values(
                StatusUpdate(
                    r["project_id"], r["date"], r["status"], r["source"], r["comment"], r["recorded_by"] or who, origin
                ),
                recorded_at=r["recorded_at"] or None,
                import_id=import_id,
            )
            for r in frame.to_dict("records")
        ]
    rows = []
    for line, rec in zip(frame.index, frame[kind.schema.column_names].to_dict("records"), strict=True):
        clean = {
            k: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in rec.items()
        }
        rows.append(clean | {"import_id": import_id, "line": int(line)})
    return rows


def imports_table(settings: Settings) -> pd.DataFrame:
    """The files imported: number, kind, file, date, who, rows (French headings)."""
    columns = ["N°", "Type", "Fichier", "Importé le", "Par", "Lignes"]
    if not db.exists(settings):
        return pd.DataFrame(columns=columns)
    from sqlalchemy import select

    from cnrmap.records import tables

    with db.engine(settings).connect() as connection:
        rows = connection.execute(select(tables.imports).order_by(tables.imports.c.id)).mappings().all()
    return pd.DataFrame(
        [[r["id"], KINDS[r["kind"]].label, r["filename"], r["imported_at"], r["imported_by"], r["rows"]] for r in rows],
        columns=columns,
    )


def remove_import(settings: Settings, import_id: int) -> int:
    """Remove one import and every row it added (status entries it brought too); return the rows removed.

    Raises
    ------
    DataError
        If there is no such import.
    """
    from sqlalchemy import delete, func, select

    from cnrmap.records import tables

    with db.writing(db.engine(settings)) as connection:
        found = connection.execute(select(tables.imports.c.rows).where(tables.imports.c.id == import_id)).scalar()
        if found is None:
            raise DataError(f"Import n° {import_id} inconnu.", hint="La liste des imports est sur la page Données.")
        removed = 0
        for table in (*tables.DATASET_TABLES.values(), tables.status_entries):
            removed += connection.execute(
                select(func.count()).select_from(table).where(table.c.import_id == import_id)
            ).scalar_one()
            connection.execute(delete(table).where(table.c.import_id == import_id))
        connection.execute(delete(tables.imports).where(tables.imports.c.id == import_id))
    return int(removed)
