"""Declared columns of the curated datasets: what the data dictionary (``data/README.md``) states."""

from __future__ import annotations

from dataclasses import dataclass, field

from cnrmap import vocab


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | float | int
    required: bool = False
    vocabulary: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DatasetSchema:
    name: str
    path: str  # relative to the data folder
    columns: tuple[Column, ...]
    id_column: str | None = "id"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _vocab(values: dict[str, str]) -> tuple[str, ...]:
    return tuple(values)


PROJECTS = DatasetSchema(
    name="projects",
    path="projects.csv",
    columns=(
        Column("id", required=True),
        Column("department_code", required=True),
        Column("title", required=True),
        Column("summary"),
        Column("theme", required=True, vocabulary=_vocab(vocab.THEMES)),
        Column("commune_codes"),
        Column("lat", "float", required=True),
        Column("lon", "float", required=True),
        Column("location_precision", required=True, vocabulary=_vocab(vocab.LOCATION_PRECISIONS)),
        Column("status", required=True, vocabulary=_vocab(vocab.STATUSES)),
        Column("status_date"),
        Column("status_source"),
        Column("source", required=True),
        Column("notes"),
    ),
)

PROPOSALS = DatasetSchema(
    name="proposals",
    path="proposals.csv",
    columns=(
        Column("id", required=True),
        Column("region_code", required=True),
        Column("scope_level", required=True, vocabulary=_vocab(vocab.SCOPE_LEVELS)),
        Column("territory_code", required=True),
        Column("theme", required=True, vocabulary=_vocab(vocab.THEMES)),
        Column("axis"),
        Column("number"),
        Column("level", required=True, vocabulary=_vocab(vocab.PROPOSAL_LEVELS)),
        Column("parent_id"),
        Column("text", required=True),
        Column("verbatim_count", "int"),
        Column("source", required=True),
        Column("notes"),
    ),
)

MEETINGS = DatasetSchema(
    name="meetings",
    path="meetings.csv",
    columns=(
        Column("id", required=True),
        Column("region_code", required=True),
        Column("department_code", required=True),
        Column("place", required=True),
        Column("commune_code"),
        Column("lat", "float", required=True),
        Column("lon", "float", required=True),
        Column("location_precision", required=True, vocabulary=_vocab(vocab.LOCATION_PRECISIONS)),
        Column("date"),
        Column("kind", required=True, vocabulary=_vocab(vocab.MEETING_KINDS)),
        Column("source", required=True),
        Column("notes"),
    ),
)

CONTRIBUTIONS = DatasetSchema(
    name="contributions",
    path="contributions.csv",
    columns=(
        Column("region_code", required=True),
        Column("territory_code", required=True),
        Column("theme", required=True, vocabulary=_vocab(vocab.THEMES)),
        Column("contributions", "int", required=True),
        Column("share_pct", "float"),
        Column("source", required=True),
    ),
    id_column=None,
)

# The regional status totals the press kits print (read for the date of each kit, never validated).
STATUS_TOTALS = DatasetSchema(
    name="status_totals",
    path="status_totals.csv",
    columns=(
        Column("id", required=True),
        Column("region_code", required=True),
        Column("scope", required=True, vocabulary=_vocab(vocab.SCOPE_LEVELS)),
        Column("territory_code", required=True),
        Column("as_of", required=True),
        Column("as_of_label", required=True),
        Column("total", "int", required=True),
        Column("realise", "int"),
        Column("en_cours", "int"),
        Column("quote", required=True),
        Column("source", required=True),
        Column("remark"),
    ),
)

# Status updates people record (never a file of data/: `cnrmap data export` writes it, `import` reads it).
STATUS_HISTORY = DatasetSchema(
    name="status_history",
    path="status_history.csv",
    columns=(
        Column("project_id", required=True),
        Column("date", required=True),
        Column("status", required=True, vocabulary=_vocab(vocab.STATUSES)),
        Column("source", required=True),
        Column("comment"),
        Column("recorded_by"),
        Column("recorded_at"),
    ),
    id_column=None,
)

REGIONS = DatasetSchema(
    name="regions",
    path="reference/regions.csv",
    columns=(Column("code", required=True), Column("name", required=True), Column("source", required=True)),
    id_column="code",
)

DEPARTMENTS = DatasetSchema(
    name="departements",
    path="reference/departements.csv",
    columns=(
        Column("code", required=True),
        Column("name", required=True),
        Column("region_code", required=True),
        Column("source", required=True),
    ),
    id_column="code",
)

COMMUNES = DatasetSchema(
    name="communes",
    path="reference/communes.csv",
    columns=(
        Column("code", required=True),
        Column("name", required=True),
        Column("department_code", required=True),
        Column("source", required=True),
    ),
    id_column="code",
)

DEPARTMENT_BOUNDS = DatasetSchema(
    name="departements_emprise",
    path="reference/departements_emprise.csv",
    columns=(
        Column("code", required=True),
        Column("min_lon", "float", required=True),
        Column("min_lat", "float", required=True),
        Column("max_lon", "float", required=True),
        Column("max_lat", "float", required=True),
        Column("source", required=True),
    ),
    id_column="code",
)

ARRONDISSEMENTS = DatasetSchema(
    name="arrondissements",
    path="reference/arrondissements.csv",
    columns=(
        Column("code", required=True),
        Column("department_code", required=True),
        Column("communes", "int", required=True),
        Column("source", required=True),
    ),
    id_column="code",
)

# Every territorial figure printed in the seed documents, one row per figure (data/README.md).
DOCUMENT_FIGURES = DatasetSchema(
    name="document_figures",
    path="document_figures.csv",
    columns=(
        Column("id", required=True),
        Column("territory", required=True),
        Column("territory_level", required=True, vocabulary=_vocab(vocab.FIGURE_LEVELS)),
        Column("territory_codes"),
        Column("department_code"),
        Column("region_code"),
        Column("indicator", required=True, vocabulary=_vocab(vocab.FIGURE_INDICATORS)),
        Column("indicator_label", required=True),
        Column("value", "float", required=True),
        Column("unit", required=True),
        Column("year"),
        Column("quote", required=True),
        Column("source", required=True),
        Column("remark"),
    ),
)

CNR_DATASETS: tuple[DatasetSchema, ...] = (
    PROJECTS,
    PROPOSALS,
    MEETINGS,
    CONTRIBUTIONS,
    STATUS_TOTALS,
    DOCUMENT_FIGURES,
)
REFERENCE_DATASETS: tuple[DatasetSchema, ...] = (REGIONS, DEPARTMENTS, COMMUNES, DEPARTMENT_BOUNDS, ARRONDISSEMENTS)
