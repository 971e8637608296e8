"""What the CNR data means, defined once: filters, propositions, projects and meetings of a territory.

Every page, panel, map layer, legend and export reads these functions, so that a number shown in two
places is the same number. The rules (also in ``data/README.md``):

- **Filters.** An empty selection means *all* (every theme, every status), everywhere.
- **Proposition.** A row of ``proposals.csv`` whose ``level`` is ``proposition``; ``groupe`` and ``sujet``
  rows are headings of the Nouvelle-Aquitaine synthesis, never counted. A proposition is formulated either
  for a region (``scope_level = region``) or for one department. A regional proposition applies to the
  whole region: it is shown as such (« 76 propositions régionales »), never counted again in each
  department. Counted once for France or a region (:func:`proposition_totals`): a region's own synthesis
  when it has one, else its departments' syntheses — the Nouvelle-Aquitaine regional synthesis gathers what
  its twelve department syntheses list, so adding both would count the same ideas twice.
- **Project in a territory.** A project belongs to the department the brochure files it under
  (``department_code``). At commune level, a project is *at* the communes it names
  (``location_precision`` ``commune`` or ``etablissement``); a department-wide project is at no commune,
  and is listed apart for every commune of its department.
- **Meeting in a territory.** Its department, and its commune when the document names one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from cnrmap import vocab
from cnrmap.french import capitalize, format_date, plural

PROPOSITION = "proposition"
REMARK = "Remarque :"
DEPARTMENT_WIDE = "departement"


@dataclass(frozen=True)
class Filters:
    """The theme and status filters. Empty means all.

    Raises
    ------
    ValueError
        If a theme or status is not in the vocabulary (the value is quoted).
    """

    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, values, known in (("thème", self.themes, vocab.THEMES), ("statut", self.statuses, vocab.STATUSES)):
            bad = [v for v in values if v not in known]
            if bad:
                raise ValueError(f"{name} inconnu : {bad[0]!r} (attendu : {', '.join(known)})")
        # One spelling for "all": selecting every value is the same as selecting none.
        if set(self.statuses) == set(vocab.STATUSES):
            object.__setattr__(self, "statuses", ())
        if set(self.themes) == set(vocab.THEMES):
            object.__setattr__(self, "themes", ())

    @property
    def all(self) -> bool:
        return not self.themes and not self.statuses

    def describe(self) -> list[str]:
        """French phrases for the filters in force (``[]`` when everything is shown)."""
        parts = []
        if self.themes:
            parts.append(
                ("Thème : " if len(self.themes) == 1 else "Thèmes : ")
                + ", ".join(vocab.THEME_SHORT[t] for t in self.themes)
            )
        if self.statuses:
            parts.append(
                ("Projets au statut : " if len(self.statuses) == 1 else "Projets aux statuts : ")
                + ", ".join(vocab.STATUSES[s].lower() for s in self.statuses)
            )
        return parts


# No filter: every theme, every status.
NO_FILTER = Filters()


def _in(frame: pd.DataFrame, column: str, values: Iterable[str]) -> pd.Series:
    values = list(values)
    return frame[column].isin(values) if values else pd.Series(True, index=frame.index)


def _contains(frame: pd.DataFrame, columns: list[str], text: str) -> pd.Series:
    needle = text.strip()
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        mask |= frame[column].astype("string").str.contains(needle, case=False, regex=False).fillna(False)
    return mask


# --- projects -------------------------------------------------------------------------------------------


def select_projects(
    projects: pd.DataFrame,
    filters: Filters = NO_FILTER,
    departments: Iterable[str] | None = None,
    text: str = "",
) -> pd.DataFrame:
    """The projects kept by the filters, in these departments (``None``: all), whose title or summary holds ``text``."""
    mask = _in(projects, "theme", filters.themes) & _in(projects, "status", filters.statuses)
    if departments is not None:
        mask &= projects["department_code"].isin(list(departments))
    if text.strip():
        mask &= _contains(projects, ["title", "summary"], text)
    return projects[mask]


def project_communes(projects: pd.DataFrame) -> pd.DataFrame:
    """One row per (project, commune) for the projects located at communes: columns ``id``, ``code``."""
    if projects.empty or "commune_codes" not in projects.columns:
        return pd.DataFrame({"id": pd.Series(dtype="string"), "code": pd.Series(dtype="string")})
    precise = projects[projects["location_precision"] != DEPARTMENT_WIDE]
    rows = [
        (pid, code.strip())
        for pid, codes in zip(precise["id"], precise["commune_codes"], strict=True)
        if isinstance(codes, str)
        for code in codes.replace(",", ";").split(";")
        if code.strip()
    ]
    return pd.DataFrame(rows, columns=["id", "code"]).astype("string")


def project_counts(projects: pd.DataFrame, level: str) -> pd.Series:
    """Number of projects per territory code (department: all its projects; commune: those located there)."""
    if projects.empty:
        return pd.Series(dtype="int64")
    if level == "departement":
        return projects["department_code"].value_counts()
    return project_communes(projects)["code"].value_counts()


def projects_in(
    projects: pd.DataFrame, level: str, code: str, department_code: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The projects *in* a territory, and the department-wide projects that also concern it.

    Department: every project filed under it (department-wide ones included), and no second frame.
    Commune: the projects located there, and the department-wide projects of ``department_code``.
    """
    if level == "departement":
        return projects[projects["department_code"] == code], projects.iloc[0:0]
    ids = set(project_communes(projects).query("code == @code")["id"])
    wide = projects[
        (projects["department_code"] == department_code) & (projects["location_precision"] == DEPARTMENT_WIDE)
    ]
    return projects[projects["id"].isin(ids)], wide


def status_counts(projects: pd.DataFrame) -> dict[str, int]:
    """Projects per status, every status of the vocabulary present (zero when none)."""
    counts = projects["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in vocab.STATUSES}


# Columns :func:`statuses_as_of` sets: the entry that applies → the projects frame.
STATUS_COLUMNS: dict[str, str] = {
    "status": "status",
    "date_text": "status_date",
    "date_label": "status_date_label",
    "source": "status_source",
    "comment": "status_comment",
    "recorded_by": "status_recorded_by",
    "origin": "status_origin",
}


def as_of_phrase(as_of: dt.date) -> str:
    """« État au 8 novembre 2023 »: the date the projects' statuses are read at, for titles and legends."""
    return f"État au {format_date(as_of)}"


def statuses_as_of(projects: pd.DataFrame, history: pd.DataFrame, as_of: dt.date | str) -> pd.DataFrame:
    """The projects with the status each had on ``as_of``: the one definition every view reads.

    Parameters
    ----------
    projects : DataFrame
        Projects (``id`` …); their own status columns are replaced.
    history : DataFrame
        Status entries (:data:`cnrmap.curated.history.HISTORY_COLUMNS`).
    as_of : date or str
        The day (ISO text or date).

    Returns
    -------
    DataFrame
        ``projects`` with ``status``, ``status_date`` (as the document or person gave it: ``2023-11-08``,
        ``2023``), ``status_date_label`` (its words), ``status_source``, ``status_comment``,
        ``status_recorded_by``, ``status_origin`` of the entry that applies; « non renseigné » and empty
        text when none does. Entries apply from their ``date`` on; undated entries before any dated one; of
        two entries the same day, the higher ``order`` (recorded last).
    """
    day = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    applies = history[(history["date"] == "") | (history["date"] <= day)]
    latest = applies.sort_values(["date", "order"], kind="stable").drop_duplicates("project_id", keep="last")
    latest = latest.set_index("project_id")
    out = projects.copy()
    for source, column in STATUS_COLUMNS.items():
        values = out["id"].map(latest[source]) if len(latest) else pd.Series(pd.NA, index=out.index)
        fill = vocab.UNKNOWN_STATUS if column == "status" else ""
        out[column] = values.astype("string").fillna(fill)
    return out


def project_by_id(projects: pd.DataFrame, project_id: str | None) -> dict | None:
    """The project ``project_id`` as a dict, or ``None`` (unknown or no id)."""
    rows = projects[projects["id"] == project_id] if project_id else projects.iloc[0:0]
    return rows.iloc[0].to_dict() if len(rows) else None


def remark_of(row: Mapping[str, object]) -> str:
    """The part of a row's ``notes`` that qualifies what is shown (from « Remarque : »), capitalised; else ``""``.

    Curators write there what a user must know to read the row right (a commune outside the department the
    document files the project under, two dates for the same fact…); every view of the row shows it.
    """
    notes = row.get("notes")
    notes = notes if isinstance(notes, str) else ""
    start = notes.find(REMARK)
    return capitalize(notes[start:].strip()) if start >= 0 else ""


def published_totals(status_totals: pd.DataFrame) -> list[dict[str, object]]:
    """The regional status totals the press kits print (as printed, never reconciled), for the home page.

    Each: ``realise``, ``en_cours``, ``total``, ``as_of_label``, ``source`` and ``remark``.
    """
    if status_totals.empty:
        return []
    rows = status_totals[(status_totals["scope"] == "region") & status_totals["realise"].notna()]
    return [
        {key: row[key] for key in ("realise", "en_cours", "total", "as_of_label", "source", "remark")}
        for row in rows.to_dict("records")
    ]


# --- propositions ---------------------------------------------------------------------------------------


def select_propositions(
    proposals: pd.DataFrame,
    filters: Filters = NO_FILTER,
    territories: Iterable[str] | None = None,
    text: str = "",
    levels: Iterable[str] = (PROPOSITION,),
) -> pd.DataFrame:
    """Propositions (rows of ``levels``) of the filters' themes, formulated for ``territories`` (codes), with ``text``.

    Status filters do not apply: a proposition has no status.
    """
    mask = _in(proposals, "theme", filters.themes) & _in(proposals, "level", levels)
    if territories is not None:
        mask &= proposals["territory_code"].isin(list(territories))
    if text.strip():
        mask &= _contains(proposals, ["text", "axis"], text)
    return proposals[mask]


def _regions_with_synthesis(propositions: pd.DataFrame) -> set[str]:
    return set(propositions.loc[propositions["scope_level"] == "region", "region_code"])


def distinct_propositions(propositions: pd.DataFrame) -> pd.DataFrame:
    """Propositions counted once: a region's own synthesis when it has one, else its departments' syntheses."""
    regional = _regions_with_synthesis(propositions)
    keep = (propositions["scope_level"] == "region") | ~propositions["region_code"].isin(regional)
    return propositions[keep]


@dataclass(frozen=True)
class PropositionTotals:
    """Propositions of an area (France or some regions), counted two ways."""

    formulated: int  # every proposition row (what the Propositions page lists)
    distinct: int  # counted once (:func:`distinct_propositions`)
    repeated: int  # department propositions that a regional synthesis of the same region gathers again
    by_region: Mapping[str, int] = field(default_factory=dict)  # distinct, per region

    def sentence(self) -> str:
        """« 1 124 propositions formulées, 462 sans double compte (662 … reprises par la synthèse régionale) »."""
        text = plural(self.formulated, "proposition formulée", "propositions formulées")
        if self.repeated:
            text += (
                f", {plural(self.distinct, 'distincte', 'distinctes')} : {plural(self.repeated, 'proposition')}"
                " des synthèses départementales sont reprises par la synthèse régionale de la même région"
            )
        return text


def proposition_totals(propositions: pd.DataFrame, regions: Iterable[str] | None = None) -> PropositionTotals:
    """:class:`PropositionTotals` of ``propositions`` (already selected), restricted to ``regions`` if given."""
    if regions is not None:
        propositions = propositions[propositions["region_code"].isin(list(regions))]
    distinct = distinct_propositions(propositions)
    return PropositionTotals(
        formulated=len(propositions),
        distinct=len(distinct),
        repeated=len(propositions) - len(distinct),
        by_region={str(k): int(v) for k, v in distinct["region_code"].value_counts().sort_index().items()},
    )


@dataclass(frozen=True)
class PropositionScope:
    """The propositions that concern one department or commune.

    ``own``: formulated for the territory itself (a department's synthesis; a commune has none);
    ``department``: for a commune, its department's propositions ``(code, n)``; ``region``: the regional
    propositions of its region ``(code, n)``, which apply to the whole region.
    """

    own: int
    department: tuple[str, int] | None
    region: tuple[str, int] | None

    @property
    def documented(self) -> bool:
        return bool(self.own or (self.department and self.department[1]) or (self.region and self.region[1]))

    def lines(self, departments: Mapping[str, str], regions: Mapping[str, str], level: str) -> list[str]:
        """French sentences for the panel and exports (``departments``, ``regions``: code → name; the codes of the
        two overlap: ``93`` is Seine-Saint-Denis and Provence-Alpes-Côte d'Azur)."""
        out = []
        if level == "departement":
            out.append(
                f"{plural(self.own, 'proposition formulée', 'propositions formulées')} pour le département"
                if self.own
                else "Aucune proposition formulée pour le département lui-même"
            )
        if self.department and self.department[1]:
            code, n = self.department
            out.append(
                f"{plural(n, 'proposition départementale', 'propositions départementales')} "
                f"({departments.get(code, code)}), qui s'appliquent à tout le département"
            )
        if self.region and self.region[1]:
            code, n = self.region
            out.append(
                f"{plural(n, 'proposition régionale', 'propositions régionales')} "
                f"({regions.get(code, code)}), qui s'appliquent à toute la région"
            )
        return out


def proposition_scope(
    propositions: pd.DataFrame, level: str, code: str, department_code: str, region_code: str | None
) -> PropositionScope:
    """The :class:`PropositionScope` of a department (``level="departement"``) or commune."""
    departmental = int(
        ((propositions["scope_level"] == "departement") & (propositions["territory_code"] == department_code)).sum()
    )
    regional = (
        int(((propositions["scope_level"] == "region") & (propositions["territory_code"] == region_code)).sum())
        if region_code
        else 0
    )
    if level == "departement":
        return PropositionScope(departmental, None, (region_code, regional) if region_code else None)
    return PropositionScope(0, (department_code, departmental), (region_code, regional) if region_code else None)


def departmental_counts(
    proposals: pd.DataFrame, filters: Filters, departments: Mapping[str, str]
) -> tuple[pd.Series, dict[str, str]]:
    """Propositions formulated for each department under ``filters``, and why the others have no count.

    Parameters
    ----------
    proposals : DataFrame
        Every row of ``proposals.csv``.
    filters : Filters
        Theme filter (statuses do not apply).
    departments : mapping
        Department code → region code, for every department of the map.

    Returns
    -------
    (Series, dict)
        Count by department code for the departments that have a synthesis of their own (0 when it has
        none of the selected themes); and, for the others, a French reason: their region's propositions are
        regional only, or no document covers them.
    """
    everything = select_propositions(proposals)
    covered = set(everything.loc[everything["scope_level"] == "departement", "territory_code"])
    with_regional = _regions_with_synthesis(everything)
    chosen = select_propositions(proposals, filters)
    counts = chosen[chosen["scope_level"] == "departement"]["territory_code"].value_counts()
    values = pd.Series({code: int(counts.get(code, 0)) for code in sorted(covered)}, dtype="int64")
    reasons = {}
    for code, region in departments.items():
        if code not in covered:
            reasons[code] = (
                "Propositions formulées pour la région seulement"
                if region in with_regional
                else "Aucun document du CNR santé"
            )
    return values, reasons


# --- meetings -------------------------------------------------------------------------------------------


def select_meetings(meetings: pd.DataFrame, departments: Iterable[str] | None = None) -> pd.DataFrame:
    """The meetings held in these departments (``None``: all). Theme and status filters do not apply."""
    if departments is None:
        return meetings
    return meetings[meetings["department_code"].isin(list(departments))]


def meetings_in(meetings: pd.DataFrame, level: str, code: str) -> pd.DataFrame:
    """Meetings held in a department, or in a commune (when the document names it)."""
    column = "department_code" if level == "departement" else "commune_code"
    return meetings[meetings[column] == code]


# --- summary --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The figures of an area under some filters: the home page, the tables and the map read these."""

    projects: int
    by_status: Mapping[str, int]
    department_wide: int
    propositions: PropositionTotals
    meetings: int
    regions: tuple[str, ...]


def summarize(
    projects: pd.DataFrame,
    proposals: pd.DataFrame,
    meetings: pd.DataFrame,
    filters: Filters = NO_FILTER,
    departments: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
) -> Summary:
    """Figures of the CNR data in ``departments`` / ``regions`` (``None``: France) under ``filters``."""
    departments = None if departments is None else list(departments)
    kept = select_projects(projects, filters, departments)
    props = select_propositions(proposals, filters)
    if regions is not None:
        regions = list(regions)
        props = props[props["region_code"].isin(regions)]
        if departments is not None:
            inside = (props["scope_level"] == "region") | props["territory_code"].isin(departments)
            props = props[inside]
    held = select_meetings(meetings, departments)
    covered = set(props["region_code"]) | set(held["region_code"])
    return Summary(
        projects=len(kept),
        by_status=status_counts(kept),
        department_wide=int((kept["location_precision"] == DEPARTMENT_WIDE).sum()),
        propositions=proposition_totals(props),
        meetings=len(held),
        regions=tuple(sorted(covered)),
    )
