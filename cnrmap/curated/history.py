"""A project's status history: the entries the documents give, and how their dates are read.

A status history is a frame of entries (:data:`HISTORY_COLUMNS`), one per status a project had from some
date on. The documents give the first entries: the status of ``projects.csv`` (or of an imported projects
file) becomes one entry per project; people add more later (:mod:`cnrmap.records.history`).
:func:`cnrmap.curated.definitions.statuses_as_of` reads the history at a date.

Dates (the convention, also in ``data/README.md``):

- an entry is *dated* by an ISO day (``date``) used to order entries, and keeps the date as the document
  gives it (``date_text``: ``2023-11-08``, ``2023-11`` or ``2023``) and its words (``date_label``);
- a date that is a period (a month, a year) counts from the **last day** of that period: the status is
  certainly known then, never earlier than the document allows. The Bouches-du-Rhône press kit states its
  statuses « sur l'année 2023 » with no date (001:21): they count from 31 December 2023 and are shown as
  « sur l'année 2023 »;
- a status the document gives with no date at all, and whose document prints no date either, is undated
  (« date non précisée ») and, like every « non renseigné » entry of a project without status, applies
  before any dated entry.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cnrmap.french import format_date
from cnrmap.vocab import UNKNOWN_STATUS

HISTORY_COLUMNS = [
    "project_id",
    "date",  # ISO day from which the entry counts ("" = undated: before any dated entry)
    "date_text",  # the date as the document or the person gave it (2023-11-08, 2023-11, 2023)
    "date_label",  # its words (« 8 novembre 2023 », « sur l'année 2023 »)
    "status",
    "source",
    "comment",
    "recorded_by",
    "recorded_at",
    "origin",  # French: « Données curées (data/projects.csv) », « Formulaire », « Import n° 3 (fichier.csv) »
    "order",  # among entries of the same day, the higher wins (documents 0, then recorded in order)
]
CURATED_ORIGIN = "Données curées (data/projects.csv)"
UNDATED_LABEL = "date non précisée"
_SEED_FILE = re.compile(r"^\s*(\d{3}_[0-9a-f]{16}\.txt):")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class DocumentDate:
    """The date a document prints for its statuses: ``text`` as ISO (``2023-11-08``, ``2023``), ``label`` as printed."""

    text: str
    label: str


def period_end(text: str) -> str:
    """The ISO day from which a date counts: the day itself, or the last day of its month or year.

    ``""`` for an empty or unreadable date.
    """
    text = (text or "").strip()
    if _DAY.match(text):
        return text
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
    if _YEAR.match(text):
        return f"{text}-12-31"
    return ""


def document_dates(status_totals: pd.DataFrame) -> dict[str, DocumentDate]:
    """Seed file → the date its regional status total is printed with (``status_totals.csv``, region rows)."""
    out: dict[str, DocumentDate] = {}
    if status_totals.empty:
        return out
    for row in status_totals[status_totals["scope"] == "region"].to_dict("records"):
        m = _SEED_FILE.match(str(row["source"]))
        if m and m[1] not in out:
            out[m[1]] = DocumentDate(str(row["as_of"]), str(row["as_of_label"]))
    return out


def empty_history() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in HISTORY_COLUMNS})
    return frame.astype({"order": "int64"})


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) or value is pd.NA else str(value)


def document_entries(
    projects: pd.DataFrame,
    documents: Mapping[str, DocumentDate] | None = None,
    origin: str | Mapping[str, str] = CURATED_ORIGIN,
) -> pd.DataFrame:
    """The first entry of each project's history: the status its file gives (``status``, ``status_date``…).

    Parameters
    ----------
    projects : DataFrame
        Rows of ``projects.csv`` (or of an imported projects file): ``id``, ``status``, ``status_date``,
        ``status_source``.
    documents : mapping, optional
        Seed file → :class:`DocumentDate` (:func:`document_dates`): an undated status takes the date of the
        document its ``status_source`` cites.
    origin : str or mapping
        Origin of every entry, or project id → origin.

    Returns
    -------
    DataFrame
        :data:`HISTORY_COLUMNS`, one row per project, ``order`` 0.
    """
    documents = documents or {}
    rows = []
    for rec in projects.to_dict("records"):
        status = _text(rec.get("status")) or UNKNOWN_STATUS
        given, source = _text(rec.get("status_date")), _text(rec.get("status_source"))
        text, label = given, format_date(given)
        if status != UNKNOWN_STATUS and not given:
            m = _SEED_FILE.match(source)
            document = documents.get(m[1]) if m else None
            text, label = (document.text, document.label) if document else ("", UNDATED_LABEL)
        if status == UNKNOWN_STATUS:
            text, label = "", ""
        pid = _text(rec.get("id"))
        rows.append(
            {
                "project_id": pid,
                "date": period_end(text),
                "date_text": text,
                "date_label": label,
                "status": status,
                "source": source,
                "comment": "",
                "recorded_by": "",
                "recorded_at": "",
                "origin": origin if isinstance(origin, str) else origin.get(pid, ""),
                "order": 0,
            }
        )
    if not rows:
        return empty_history()
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS).astype({c: "string" for c in HISTORY_COLUMNS[:-1]})


def combine(*histories: pd.DataFrame) -> pd.DataFrame:
    """Several histories as one (documents first, then recorded entries)."""
    frames = [h for h in histories if h is not None and len(h)]
    if not frames:
        return empty_history()
    out = pd.concat([f[HISTORY_COLUMNS] for f in frames], ignore_index=True)
    return out.astype({c: "string" for c in HISTORY_COLUMNS[:-1]} | {"order": "int64"})


def project_history(history: pd.DataFrame, project_id: str) -> pd.DataFrame:
    """The entries of one project, oldest first (undated ones first), as :func:`statuses_as_of` orders them."""
    mine = history[history["project_id"] == project_id]
    return mine.sort_values(["date", "order"], kind="stable").reset_index(drop=True)


def period_notes(history: pd.DataFrame, project_ids: pd.Series | list[str], as_of: str) -> list[str]:
    """French notes on the entries dated by a period (a month, a year) among these projects' statuses.

    Says from which day they count, and how many are not counted yet at ``as_of`` (ISO day): never fake
    precision, say the convention where it changes what is shown.
    """
    rows = history[history["project_id"].isin(list(project_ids))]
    periods = rows[(rows["date"] != "") & (rows["date_text"] != rows["date"])]
    notes = []
    for (label, day), group in periods.groupby(["date_label", "date"], sort=True):
        n = group["project_id"].nunique()
        words = f"{n} statut{'s' if n > 1 else ''} daté{'s' if n > 1 else ''} « {label} »"
        if day > as_of:
            notes.append(
                f"{words} ne compte{'nt' if n > 1 else ''} qu'à partir du {format_date(day)} (fin de la période) : "
                "avant, le projet est « non renseigné »."
            )
        else:
            notes.append(f"{words} : compté{'s' if n > 1 else ''} à partir du {format_date(day)} (fin de la période).")
    return notes
