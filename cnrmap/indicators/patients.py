"""Patients without a médecin traitant: the CNAM department table when fetched, else the documents' figures.

The official department table (CNAM, data.ameli.fr) stays fetchable online as declared in the catalog. Without it,
the indicator is drawn from the figures the CNR santé documents print (``data/document_figures.csv``), with a
legend that says so: « chiffres cités par les synthèses régionales, années diverses ; pas de source nationale
installée ». :func:`patients_indicator` says which source is in use.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError, Problem
from cnrmap.geo.codes import normalize_department_code
from cnrmap.indicators.spec import DEPARTEMENT, Indicator
from cnrmap.sources.catalog import local_file
from cnrmap.sources.checked_csv import display_path, number_problems, read_csv_frame


def patients_file(settings: Settings) -> Path:
    """Where the department table of patients without a médecin traitant is expected in the cache."""
    return local_file(settings, "patients_sans_mt")


PATIENTS_NOT_INSTALLED = (
    "Non installé : aucune table départementale hors ligne. Avec internet : "
    "cnrmap fetch --only patients_sans_mt ; ou déposer le fichier dans un miroir sous "
    "opendata/patients_sans_medecin_traitant/patients_sans_mt_departements.csv puis cnrmap fetch "
    "--only patients_sans_mt --from MIROIR."
)


PATIENTS_ID = "patients_sans_mt"
LABEL = "Part des patients sans médecin traitant"
CNAM_SOURCE = "CNAM, observatoire de l'accès aux soins (data.ameli.fr)"
DOCUMENTS_SOURCE = "Chiffres cités par les synthèses régionales du CNR santé (pas de source nationale installée)"
DOCUMENTS_VINTAGE = "années diverses"


def patients_indicator(problem: str | None) -> Indicator:
    """The indicator, drawn from the CNAM file when it can be read (``problem`` is ``None``), else from the
    documents' figures (``origin == "documents"``; ``install_hint`` says how to get the official file)."""
    if problem is None:
        return Indicator(
            PATIENTS_ID, LABEL, "%", "selon le fichier CNAM", CNAM_SOURCE, (DEPARTEMENT,), "numeric", None, False,
            True, "",
        )  # fmt: skip
    return Indicator(
        PATIENTS_ID, LABEL, "%", DOCUMENTS_VINTAGE, DOCUMENTS_SOURCE, (DEPARTEMENT,), "numeric", None, False, True,
        problem, origin="documents",
    )  # fmt: skip


def _patients_hint(path: Path) -> str:
    return (
        f"Supprimez {display_path(path)} puis téléchargez-le à nouveau : cnrmap fetch --only patients_sans_mt "
        "(avec internet ou un miroir qui contient le fichier)."
    )


def patients_problem(settings: Settings) -> str | None:
    """French reason the patients layer cannot be shown (:data:`PATIENTS_NOT_INSTALLED` if absent), or ``None``."""
    path = patients_file(settings)
    if not path.is_file():
        return PATIENTS_NOT_INSTALLED
    try:
        read_patients_file(path)
    except DataError as exc:
        return str(exc)
    return None


def read_patients_file(path: Path) -> pd.DataFrame:
    """Read a CNAM department table of patients without a médecin traitant (latest year per department).

    The columns are found by name: a department code column (``departement``…) and a rate column
    (``taux…sans_mt``…); an optional year column (``annee``) keeps the latest year. The separator
    (``;`` or ``,``) is detected and the rate may use a decimal comma. Parsed once per file version.

    Raises
    ------
    DataError
        If the file is missing or cannot be read, its columns cannot be identified or a rate is not
        a number (French message with file, line and column).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            "Indicateur « patients sans médecin traitant » non installé.",
            hint="cnrmap fetch --only patients_sans_mt (avec internet ou un miroir qui contient le fichier)",
        )
    stat = path.stat()
    return _read_patients_file(path.absolute(), stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=4)
def _read_patients_file(path: Path, mtime_ns: int, size: int) -> pd.DataFrame:
    label, hint = display_path(path), _patients_hint(path)
    raw = read_csv_frame(path, label=label, hint=hint, sep=None)
    columns = {c.lower(): c for c in raw.columns}
    code_col = next((columns[c] for c in columns if c in ("departement", "code_departement", "dept")), None)
    rate_col = next((columns[c] for c in columns if "taux" in c and "mt" in c), None)
    if code_col is None or rate_col is None:
        missing = [name for name, col in (("departement", code_col), ("taux_…_sans_mt", rate_col)) if col is None]
        raise DataError(
            f"{label} : colonnes du département ou du taux introuvables (colonnes lues : {list(raw.columns)!r}).",
            [Problem(label, "colonne absente", row=1, column=name) for name in missing],
            hint="Attendu : une colonne « departement » et une colonne « taux_…_sans_mt ». " + hint,
        )
    year_col = columns.get("annee")
    frame = raw[[code_col, rate_col] + ([year_col] if year_col else [])].copy()
    frame.columns = ["code", "value"] + (["annee"] if year_col else [])
    frame = frame[frame["code"].str.strip() != ""]
    valid = []
    for code in frame["code"]:  # about a hundred departments (times the years)
        try:
            valid.append(normalize_department_code(code))
        except ValueError:
            valid.append(None)
    frame["code"] = valid
    frame = frame.dropna(subset=["code"])
    frame["value"], problems = number_problems(frame, "value", label=label, decimal_comma=True)
    if problems:
        problems = [replace(p, column=rate_col) for p in problems]
        raise DataError(f"{label} ne peut pas être utilisé tel quel.", problems, hint=hint)
    if "annee" in frame.columns:
        frame = frame.sort_values("annee").groupby("code", as_index=False).last()
    elif frame["code"].duplicated().any():
        codes = sorted(set(frame.loc[frame["code"].duplicated(), "code"]))
        raise DataError(
            f"{label} : départements en double sans colonne « annee » pour choisir : {', '.join(codes[:20])}.",
            [Problem(label, f"département {code!r} en double", column=code_col) for code in codes[:20]],
            hint=hint,
        )
    return frame[["code", "value"]].reset_index(drop=True)
