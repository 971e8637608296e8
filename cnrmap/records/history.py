"""Status updates people record: checked the same way from the form, the command line and an imported file.

An update is one entry of a project's status history (:mod:`cnrmap.curated.history`): a day, a status of the
vocabulary, a source (the reference of the document or meeting that says so, typed by the person), a comment,
who recorded it and how (« Formulaire », « Ligne de commande », « Import n° 3 (fichier.csv) »).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from cnrmap import vocab
from cnrmap.config import Settings
from cnrmap.curated.history import HISTORY_COLUMNS, empty_history
from cnrmap.curated.validate import DATE_RANGE
from cnrmap.errors import DataError, Problem
from cnrmap.french import format_date
from cnrmap.records import db
from cnrmap.records.columns import STATUSES_KIND

FORM = "Formulaire"
COMMAND_LINE = "Ligne de commande"
# The CNR santé was launched in September 2022: no project of it has a status before.
EARLIEST = DATE_RANGE[0]
MAX_SOURCE = 500
MAX_COMMENT = 2000
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class StatusUpdate:
    """One status entry to record.

    Attributes
    ----------
    project_id : str
        Identifier of a known project (curated or imported).
    date : date or str
        Day from which the status holds (``YYYY-MM-DD``).
    status : str
        Key of :data:`cnrmap.vocab.STATUSES`.
    source : str
        Where it is said (document, meeting, e-mail…): required.
    comment, recorded_by, origin : str
        Free comment; who recorded it; how (:data:`FORM`, :data:`COMMAND_LINE`, an import).
    """

    project_id: str
    date: dt.date | str
    status: str
    source: str
    comment: str = ""
    recorded_by: str = ""
    origin: str = FORM


def parse_day(value: dt.date | str) -> dt.date | None:
    """A day from a date or ``YYYY-MM-DD`` text (``None`` when it is not one)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not _ISO_DAY.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def check_update(
    update: StatusUpdate,
    known_projects: Iterable[str],
    where: str = FORM,
    row: int | None = None,
    today: dt.date | None = None,
    author_required: bool = False,
) -> list[Problem]:
    """Every problem of an update, in French, by field (``date``, ``status``, ``source``…); ``[]`` when valid.

    Rules: a known project; a real day, not in the future and not before the CNR santé (September 2022); a
    status of the vocabulary; a source (500 characters at most); a comment of 2,000 characters at most; the
    author's name when ``author_required`` (the form, when no proxy names the user).
    """
    today = today or dt.date.today()
    problems: list[Problem] = []

    def add(column: str, message: str) -> None:
        problems.append(Problem(where, message, row=row, column=STATUSES_KIND.headers.get(column, column)))

    pid = str(update.project_id or "").strip()
    if not pid:
        add("project_id", "identifiant du projet manquant")
    elif pid not in set(known_projects):
        add("project_id", f"projet {pid!r} inconnu : donnez l'identifiant d'un projet existant (page Projets)")
    day = parse_day(update.date)
    if day is None:
        add("date", f"date {str(update.date or '')!r} : un jour au format AAAA-MM-JJ est attendu")
    elif day > today:
        add("date", f"date {day.isoformat()!r} dans le futur : enregistrez un statut à la date où il est connu")
    elif day < EARLIEST:
        add("date", f"date {day.isoformat()!r} antérieure au lancement du CNR santé ({format_date(EARLIEST)})")
    if update.status not in vocab.STATUSES:
        allowed = ", ".join(vocab.STATUSES)
        add("status", f"statut {str(update.status or '')!r} inconnu : choisir parmi {allowed}")
    source = str(update.source or "").strip()
    if not source:
        add("source", "source obligatoire : le document, la réunion ou le courrier qui établit ce statut")
    elif len(source) > MAX_SOURCE:
        add("source", f"source trop longue ({len(source)} caractères, {MAX_SOURCE} au plus)")
    if author_required and not str(update.recorded_by or "").strip():
        add("recorded_by", "votre nom est obligatoire : il est enregistré avec le statut")
    if len(str(update.comment or "")) > MAX_COMMENT:
        add("comment", f"commentaire trop long ({len(str(update.comment))} caractères, {MAX_COMMENT} au plus)")
    return problems


def now_text() -> str:
    """The current UTC time as ISO text (when an entry is recorded)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def entry_values(update: StatusUpdate, recorded_at: str | None = None, import_id: int | None = None) -> dict:
    """The row of ``cnr_status_entries`` for a checked update."""
    day = parse_day(update.date)
    return {
        "project_id": str(update.project_id).strip(),
        "date": day.isoformat() if day else "",
        "status": update.status,
        "source": str(update.source).strip(),
        "comment": str(update.comment or "").strip(),
        "recorded_by": str(update.recorded_by or "").strip(),
        "recorded_at": recorded_at or now_text(),
        "origin": update.origin,
        "import_id": import_id,
    }


def record_status(
    settings: Settings, update: StatusUpdate, known_projects: Iterable[str], author_required: bool = False
) -> int:
    """Check and record one update (one transaction); return its entry number.

    Raises
    ------
    DataError
        Listing every problem of the update (nothing is recorded then).
    """
    problems = check_update(update, known_projects, where=update.origin, author_required=author_required)
    if problems:
        raise DataError(
            "Statut non enregistré.", problems, hint="Corrigez les champs indiqués ; rien n'a été enregistré."
        )
    from cnrmap.records import tables

    with db.writing(db.engine(settings)) as connection:
        result = connection.execute(tables.status_entries.insert().values(**entry_values(update)))
        return int(result.inserted_primary_key[0])


def recorded_entries(settings: Settings) -> pd.DataFrame:
    """Every recorded entry as history rows (:data:`cnrmap.curated.history.HISTORY_COLUMNS`), in recording order."""
    if not db.exists(settings):
        return empty_history()
    from sqlalchemy import select

    from cnrmap.records import tables

    t = tables.status_entries
    with db.engine(settings).connect() as connection:
        rows = connection.execute(select(t).order_by(t.c.id)).mappings().all()
    if not rows:
        return empty_history()
    frame = pd.DataFrame([dict(r) for r in rows])
    frame["date_text"] = frame["date"]
    frame["date_label"] = frame["date"].map(format_date)
    frame["order"] = frame["id"].astype("int64")
    return frame[HISTORY_COLUMNS].astype({c: "string" for c in HISTORY_COLUMNS[:-1]})


def status_history_rows(settings: Settings) -> pd.DataFrame:
    """The recorded entries in the columns of ``status_history.csv`` (:data:`cnrmap.curated.schema.STATUS_HISTORY`)."""
    from cnrmap.curated.schema import STATUS_HISTORY

    entries = recorded_entries(settings)
    return entries[STATUS_HISTORY.column_names].reset_index(drop=True)
