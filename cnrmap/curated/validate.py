"""Every rule of the data dictionary (``data/README.md``), checked at once, reported in French.

The ``cnrmap validate`` command (:mod:`cnrmap.cli.validate`) prints what :func:`cnrmap.curated.load.validate`
returns. The same checkers
validate a file someone imports (:mod:`cnrmap.records.imports`), under :class:`Rules` that differ in two
points only: its sources are its own documents (free text), and its dates run up to today.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cnrmap.curated import figures
from cnrmap.curated.definitions import REMARK
from cnrmap.curated.schema import (
    CONTRIBUTIONS,
    DOCUMENT_FIGURES,
    MEETINGS,
    PROJECTS,
    PROPOSALS,
    STATUS_TOTALS,
    DatasetSchema,
)
from cnrmap.errors import Problem

SEED_REF = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt:\d+(-\d+)?$")
FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_DATE = re.compile(r"^\d{4}-\d{2}$")
# CNR santé: launched October 2022; the press kits report one year later.
DATE_RANGE = (date(2022, 9, 1), date(2024, 12, 31))
BOUNDS_MARGIN_DEG = 0.02


@dataclass(frozen=True)
class Rules:
    """What differs between the curated files and a file someone imports.

    Attributes
    ----------
    seed_sources : bool
        Sources must be ``<file>:<line>`` references to the seed documents (curated data); otherwise any
        non-empty text naming the document (an imported region cites its own documents).
    date_range : (date, date)
        Dates allowed; a date after the end is « dans le futur » when the end is today.
    label : str or None
        Name of the file in messages (default ``data/<path>``).
    """

    seed_sources: bool = True
    date_range: tuple[date, date] = DATE_RANGE
    label: str | None = None


CURATED = Rules()


class _Checker:
    def __init__(self, schema: DatasetSchema, frame: pd.DataFrame, rules: Rules = CURATED):
        self.label = rules.label or f"data/{schema.path}"
        self.schema = schema
        self.frame = frame
        self.rules = rules
        self.problems: list[Problem] = []

    def add(self, line: int, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.label, message, row=int(line), column=column))

    def each(self, column: str, rule: Callable[[str], str | None], skip_empty: bool = True) -> None:
        for line, value in self.frame[column].items():
            if skip_empty and (value == "" or pd.isna(value)):
                continue
            message = rule(value)
            if message:
                self.add(line, column, message)

    def basics(self, reference, region: bool = True) -> None:
        """The rules every dataset follows: required values, vocabularies, unique ids, sources, region codes."""
        self.required_and_vocabularies()
        if self.schema.id_column:
            self.unique_ids()
        self.sources()
        if region:
            self.codes("region_code", reference.regions["code"], "région")

    def required_and_vocabularies(self) -> None:
        for column in self.schema.columns:
            values = self.frame[column.name]
            if column.required:
                for line in values[values.isna() | (values.astype("string") == "")].index:
                    self.add(line, column.name, "valeur obligatoire manquante")
            if column.vocabulary:
                allowed = column.vocabulary

                def rule(v: str, allowed: tuple[str, ...] = allowed) -> str | None:
                    return None if v in allowed else f"{v!r} n'est pas une valeur permise ({', '.join(allowed)})"

                self.each(column.name, rule)

    def unique_ids(self) -> None:
        ids = self.frame["id"]
        for line in ids[ids.duplicated(keep="first") & (ids != "")].index:
            self.add(line, "id", f"identifiant {ids[line]!r} en double")

    def sources(self, column: str = "source") -> None:
        if not self.rules.seed_sources:
            return  # free text, required where the schema says so

        def rule(value: str) -> str | None:
            bad = [part for part in value.split(";") if not SEED_REF.match(part.strip())]
            if bad:
                return f"référence {bad[0].strip()!r} : « fichier:ligne » ou « fichier:début-fin » attendu"
            return None

        self.each(column, rule)

    def dates(self, column: str, allow_month: bool) -> None:
        def rule(value: str) -> str | None:
            text = value + "-01" if allow_month and MONTH_DATE.match(value) else value
            if not FULL_DATE.match(text):
                expected = "AAAA-MM-JJ ou AAAA-MM" if allow_month else "AAAA-MM-JJ"
                return f"date {value!r} : format {expected} attendu"
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                return f"date {value!r} inexistante"
            first, last = self.rules.date_range
            if parsed > last and last >= date.today():
                return f"date {value!r} dans le futur : une date passée ou d'aujourd'hui est attendue"
            if not first <= parsed <= last:
                if self.rules.date_range == DATE_RANGE:
                    return f"date {value!r} hors de la période du CNR santé (2022-2024)"
                return f"date {value!r} hors de la période permise ({first.isoformat()} à {last.isoformat()})"
            return None

        self.each(column, rule)

    def codes(self, column: str, known: Iterable[str], what: str) -> None:
        known = set(known)
        self.each(column, lambda v: None if v in known else f"{what} {v!r} inconnu")

    def coordinates(self, department_column: str, bounds: pd.DataFrame) -> None:
        boxes = bounds.set_index("code")
        for line, row in self.frame.iterrows():
            lat, lon = row["lat"], row["lon"]
            if pd.isna(lat) or pd.isna(lon):
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.add(line, "lat", f"coordonnées ({lat}, {lon}) impossibles")
                continue
            dep = row[department_column]
            if dep not in boxes.index:
                continue
            box = boxes.loc[dep]
            m = BOUNDS_MARGIN_DEG
            inside = (box.min_lat - m <= lat <= box.max_lat + m) and (box.min_lon - m <= lon <= box.max_lon + m)
            if not inside:
                self.add(
                    line,
                    "lat",
                    f"le point ({lat}, {lon}) est hors de l'emprise du département {dep!r} "
                    "(latitude et longitude inversées ?)",
                )


def _check_projects(frame: pd.DataFrame, reference, rules: Rules = CURATED) -> list[Problem]:
    c = _Checker(PROJECTS, frame, rules)
    c.basics(reference, region=False)
    c.sources("status_source")
    c.codes("department_code", reference.departments["code"], "département")
    c.dates("status_date", allow_month=True)
    c.coordinates("department_code", reference.department_bounds)
    communes = reference.communes.set_index("code")["department_code"]
    for line, row in frame.iterrows():
        codes = [x.strip() for x in row["commune_codes"].split(";") if x.strip()]
        for code in codes:
            if code not in communes.index:
                c.add(line, "commune_codes", f"commune {code!r} inconnue (code INSEE du COG attendu)")
            elif communes[code] != row["department_code"] and REMARK not in (row.get("notes") or ""):
                c.add(
                    line,
                    "commune_codes",
                    f"la commune {code!r} est dans le département {communes[code]!r}, pas {row['department_code']!r} : "
                    f"corriger, ou expliquer dans « notes » par « {REMARK} … » ce que dit le document",
                )
        if row["location_precision"] == "departement" and codes:
            c.add(line, "commune_codes", "un projet départemental ne nomme pas de commune (vider la colonne)")
        if row["location_precision"] == "commune" and not codes:
            c.add(line, "commune_codes", "précision « commune » sans code de commune")
        if row["status"] == "non_renseigne" and (row["status_date"] or row["status_source"]):
            c.add(line, "status", "statut « non_renseigne » alors qu'une date ou une source de statut est donnée")
        if row["status"] != "non_renseigne" and row["status"] and not row["status_source"]:
            c.add(line, "status_source", f"le statut {row['status']!r} doit citer sa source")
    return c.problems


def _check_proposals(frame: pd.DataFrame, reference, rules: Rules = CURATED) -> list[Problem]:
    c = _Checker(PROPOSALS, frame, rules)
    c.basics(reference)
    regions = set(reference.regions["code"])
    departments = reference.departments.set_index("code")["region_code"]
    # Vectorised screening: only the rows that break a rule are walked (in file order) to word the problems.
    ids = set(frame["id"])
    territories, levels, region_codes = frame["territory_code"], frame["scope_level"], frame["region_code"]
    region_of_territory = territories.map(departments)
    known_region = region_codes.isin(regions)
    parents = frame["parent_id"].fillna("")
    suspect = (
        ((levels == "region") & (territories != region_codes))
        | ((levels == "departement") & (region_of_territory.isna() | (region_of_territory != region_codes)))
        | (known_region & (parents != "") & ~parents.isin(ids))
        | (known_region & (pd.to_numeric(frame["verbatim_count"], errors="coerce") < 0))
    )
    for line, row in frame[suspect].iterrows():
        territory, level = row["territory_code"], row["scope_level"]
        if level == "region" and territory != row["region_code"]:
            c.add(line, "territory_code", f"{territory!r} : une proposition régionale porte le code de sa région")
        elif level == "departement":
            if territory not in departments.index:
                c.add(line, "territory_code", f"département {territory!r} inconnu")
            elif departments[territory] != row["region_code"]:
                c.add(line, "territory_code", f"le département {territory!r} n'est pas dans la région indiquée")
        if row["region_code"] not in regions:
            continue
        if row["parent_id"] and row["parent_id"] not in ids:
            c.add(line, "parent_id", f"{row['parent_id']!r} ne désigne aucune ligne du fichier")
        count = row["verbatim_count"]
        if not pd.isna(count) and count < 0:
            c.add(line, "verbatim_count", f"nombre de verbatims négatif ({count})")
    return c.problems


def _check_meetings(frame: pd.DataFrame, reference, rules: Rules = CURATED) -> list[Problem]:
    c = _Checker(MEETINGS, frame, rules)
    c.basics(reference)
    c.codes("department_code", reference.departments["code"], "département")
    c.codes("commune_code", reference.communes["code"], "commune")
    c.dates("date", allow_month=False)
    c.coordinates("department_code", reference.department_bounds)
    departments = reference.departments.set_index("code")["region_code"]
    communes = reference.communes.set_index("code")["department_code"]
    for line, row in frame.iterrows():
        dep = row["department_code"]
        if dep in departments.index and departments[dep] != row["region_code"]:
            c.add(line, "department_code", f"le département {dep!r} n'est pas dans la région {row['region_code']!r}")
        code = row["commune_code"]
        if code and code in communes.index and communes[code] != dep:
            c.add(line, "commune_code", f"la commune {code!r} n'est pas dans le département {dep!r}")
        if row["location_precision"] == "commune" and not code:
            c.add(line, "commune_code", "précision « commune » sans code de commune")
    return c.problems


def _check_contributions(frame: pd.DataFrame, reference, rules: Rules = CURATED) -> list[Problem]:
    c = _Checker(CONTRIBUTIONS, frame, rules)
    c.basics(reference)
    return c.problems


def _check_status_totals(frame: pd.DataFrame, reference, rules: Rules = CURATED) -> list[Problem]:
    c = _Checker(STATUS_TOTALS, frame, rules)
    c.basics(reference)
    departments = reference.departments.set_index("code")["region_code"]
    for line, row in frame.iterrows():
        if not (FULL_DATE.match(row["as_of"]) or re.fullmatch(r"\d{4}", row["as_of"])):
            c.add(line, "as_of", f"date {row['as_of']!r} : AAAA-MM-JJ ou AAAA attendu")
        if row["scope"] == "departement" and departments.get(row["territory_code"]) != row["region_code"]:
            c.add(line, "territory_code", f"le département {row['territory_code']!r} n'est pas dans la région indiquée")
        parts = [row[s] for s in ("realise", "en_cours") if not pd.isna(row[s])]
        if len(parts) == 2 and sum(parts) != row["total"]:
            c.add(line, "total", f"réalisés + en cours = {sum(parts)}, pas {row['total']} : recopier le document")
    return c.problems


def _check_figures(frame: pd.DataFrame, reference, rules: Rules = CURATED) -> list[Problem]:
    c = _Checker(DOCUMENT_FIGURES, frame, rules)
    c.required_and_vocabularies()
    c.unique_ids()
    figures.check_figures(frame, reference, c.add)
    return c.problems


CHECKS = {
    "status_totals": _check_status_totals,
    "projects": _check_projects,
    "proposals": _check_proposals,
    "meetings": _check_meetings,
    "contributions": _check_contributions,
    "document_figures": _check_figures,
}


def validate_frames(frames: dict[str, pd.DataFrame], reference, rules: Rules = CURATED) -> list[Problem]:
    """Check every dictionary rule on already-read frames; return all problems (empty when valid).

    ``reference`` has ``regions``, ``departments``, ``communes`` (a ``code`` column each) and
    ``department_bounds``; ``rules`` says what differs for an imported file.
    """
    problems: list[Problem] = []
    for name, frame in frames.items():
        problems += CHECKS[name](frame, reference, rules)
    return problems


__all__ = ["CURATED", "MEETINGS", "PROJECTS", "PROPOSALS", "Rules", "validate_frames"]
