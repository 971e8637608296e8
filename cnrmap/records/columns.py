"""The files people fill: French headers, what each column holds, and one example row per kind of file.

Four kinds: projects, proposals and meetings (the columns of ``data/projects.csv``, ``proposals.csv`` and
``meetings.csv``, as the data dictionary states them) and status updates (``status_history.csv``). A file may
use either the French headers below or the dictionary's own names (``id``, ``department_code``…): both are
recognised, whatever the case, accents, spaces or underscores.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cnrmap import vocab
from cnrmap.curated.schema import MEETINGS, PROJECTS, PROPOSALS, STATUS_HISTORY, DatasetSchema

EXAMPLE_PREFIX = "EXEMPLE"


@dataclass(frozen=True)
class FileKind:
    """A kind of file people can import.

    ``headers``: dictionary column → French header; ``help``: column → what it holds (French);
    ``example``: column → value of the template's example row (a fictitious Finistère row, valid once its
    identifier no longer starts with ``EXEMPLE``).
    """

    key: str
    label: str
    schema: DatasetSchema
    headers: dict[str, str]
    help: dict[str, str]
    example: dict[str, str]

    @property
    def stem(self) -> str:
        """File name of the template, without extension (``modele-projets``)."""
        return f"modele-{fold(self.label).replace('_', '-')}"


def fold(text: str) -> str:
    """Header or value compared without case, accents, spaces or punctuation: « Code département » → ``code_departement``."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _listing(values: dict[str, str]) -> str:
    return " ; ".join(f"{k} ({v})" for k, v in values.items())


_DATE_HELP = "AAAA-MM-JJ (ou JJ/MM/AAAA)"
_SOURCE_HELP = "le document qui l'établit, assez précis pour le retrouver (titre, page, date)"
_COORD_HELP = "en degrés décimaux (WGS84), dans le département ; point de la commune ou du département"

PROJECTS_KIND = FileKind(
    key="projects",
    label="projets",
    schema=PROJECTS,
    headers={
        "id": "Identifiant",
        "department_code": "Code département",
        "title": "Titre",
        "summary": "Résumé",
        "theme": "Thème",
        "commune_codes": "Codes communes",
        "lat": "Latitude",
        "lon": "Longitude",
        "location_precision": "Précision de localisation",
        "status": "Statut",
        "status_date": "Date du statut",
        "status_source": "Source du statut",
        "source": "Source",
        "notes": "Notes",
    },
    help={
        "id": "unique, par exemple P-29-01 (P-<département>-<numéro>)",
        "department_code": "code INSEE du département (29, 2A, 971)",
        "title": "le titre du projet, tel que le document l'écrit",
        "summary": "résumé fidèle de la description",
        "theme": _listing(vocab.THEMES),
        "commune_codes": "codes INSEE des communes nommées, séparés par « ; » ; vide pour un projet départemental",
        "lat": "latitude " + _COORD_HELP,
        "lon": "longitude " + _COORD_HELP,
        "location_precision": _listing(vocab.LOCATION_PRECISIONS)
        + " ; « commune » exige un code de commune, « departement » n'en a pas",
        "status": _listing(vocab.STATUSES) + " ; « non_renseigne » quand aucun document n'en donne",
        "status_date": "date du statut : " + _DATE_HELP + ", ou AAAA-MM ; vide si non renseigné",
        "status_source": "obligatoire pour un statut autre que « non_renseigne » : " + _SOURCE_HELP,
        "source": "obligatoire : " + _SOURCE_HELP,
        "notes": "remarques (ce que le lecteur doit savoir commence par « Remarque : »)",
    },
    example={
        "id": f"{EXAMPLE_PREFIX}-P-29-01",
        "department_code": "29",
        "title": "Créer une équipe mobile de soins non programmés en Centre-Finistère",
        "summary": "Une équipe infirmière mobile, régulée par le SAS, intervient au domicile des patients isolés.",
        "theme": "soins_non_programmes",
        "commune_codes": "",
        "lat": "48.25",
        "lon": "-4.05",
        "location_precision": "departement",
        "status": "en_cours",
        "status_date": "2024-03-15",
        "status_source": "Compte rendu du comité de suivi CNR santé du 15 mars 2024, p. 3",
        "source": "Synthèse départementale CNR santé du Finistère, 2023, p. 12",
        "notes": "",
    },
)

PROPOSALS_KIND = FileKind(
    key="proposals",
    label="propositions",
    schema=PROPOSALS,
    headers={
        "id": "Identifiant",
        "region_code": "Code région",
        "scope_level": "Échelle",
        "territory_code": "Code territoire",
        "theme": "Thème",
        "axis": "Axe",
        "number": "Numéro",
        "level": "Niveau",
        "parent_id": "Identifiant du groupe",
        "text": "Texte",
        "verbatim_count": "Nombre de verbatims",
        "source": "Source",
        "notes": "Notes",
    },
    help={
        "id": "unique, par exemple PR-53-1",
        "region_code": "code INSEE de la région (53 Bretagne, 84 Auvergne-Rhône-Alpes…)",
        "scope_level": _listing(vocab.SCOPE_LEVELS),
        "territory_code": "le code de la région (échelle région) ou d'un de ses départements (échelle département)",
        "theme": _listing(vocab.THEMES),
        "axis": "l'intitulé sous lequel la proposition figure",
        "number": "son numéro dans le document, s'il en a un",
        "level": _listing(vocab.PROPOSAL_LEVELS) + " ; seules les « proposition » sont comptées",
        "parent_id": "pour une proposition d'un groupe de solutions : l'identifiant de la ligne du groupe",
        "text": "la proposition telle qu'écrite",
        "verbatim_count": "nombre de verbatims si le document le donne (entier)",
        "source": "obligatoire : " + _SOURCE_HELP,
        "notes": "remarques",
    },
    example={
        "id": f"{EXAMPLE_PREFIX}-PR-53-1",
        "region_code": "53",
        "scope_level": "region",
        "territory_code": "53",
        "theme": "acces_medecin",
        "axis": "Garantir l'accès à un médecin traitant",
        "number": "1",
        "level": "proposition",
        "parent_id": "",
        "text": "Créer des postes d'assistants partagés entre l'hôpital et les maisons de santé",
        "verbatim_count": "",
        "source": "Synthèse régionale CNR santé Bretagne, 2023, p. 8",
        "notes": "",
    },
)

MEETINGS_KIND = FileKind(
    key="meetings",
    label="reunions",
    schema=MEETINGS,
    headers={
        "id": "Identifiant",
        "region_code": "Code région",
        "department_code": "Code département",
        "place": "Lieu",
        "commune_code": "Code commune",
        "lat": "Latitude",
        "lon": "Longitude",
        "location_precision": "Précision de localisation",
        "date": "Date",
        "kind": "Type",
        "source": "Source",
        "notes": "Notes",
    },
    help={
        "id": "unique, par exemple M-53-01",
        "region_code": "code INSEE de la région",
        "department_code": "code du département, dans la région",
        "place": "la commune où la réunion s'est tenue ; « <département> (lieu non précisé) » sinon",
        "commune_code": "code INSEE de cette commune, dans le département ; vide si le lieu n'est pas connu",
        "lat": "latitude " + _COORD_HELP,
        "lon": "longitude " + _COORD_HELP,
        "location_precision": "« commune » si le code de commune est donné, « departement » sinon",
        "date": "date de la réunion : " + _DATE_HELP,
        "kind": _listing(vocab.MEETING_KINDS),
        "source": "obligatoire : " + _SOURCE_HELP,
        "notes": "remarques",
    },
    example={
        "id": f"{EXAMPLE_PREFIX}-M-53-01",
        "region_code": "53",
        "department_code": "29",
        "place": "Finistère (lieu non précisé)",
        "commune_code": "",
        "lat": "48.25",
        "lon": "-4.05",
        "location_precision": "departement",
        "date": "2022-11-15",
        "kind": "reunion_departementale",
        "source": "Synthèse départementale CNR santé du Finistère, 2023, p. 2",
        "notes": "",
    },
)

STATUSES_KIND = FileKind(
    key="status_history",
    label="statuts",
    schema=STATUS_HISTORY,
    headers={
        "project_id": "Identifiant du projet",
        "date": "Date",
        "status": "Statut",
        "source": "Source",
        "comment": "Commentaire",
        "recorded_by": "Enregistré par",
        "recorded_at": "Enregistré le",
    },
    help={
        "project_id": "identifiant d'un projet existant (page Projets), par exemple P-13-01",
        "date": "jour à partir duquel le statut vaut : " + _DATE_HELP + ", pas dans le futur",
        "status": _listing(vocab.STATUSES),
        "source": "obligatoire : " + _SOURCE_HELP,
        "comment": "précisions",
        "recorded_by": "qui enregistre (vide : la personne qui importe le fichier)",
        "recorded_at": "rempli par l'application (laisser vide)",
    },
    example={
        "project_id": f"{EXAMPLE_PREFIX}-P-13-01",
        "date": "2024-06-30",
        "status": "realise",
        "source": "Rapport d'activité 2024 de l'ARS, p. 21",
        "comment": "",
        "recorded_by": "",
        "recorded_at": "",
    },
)

KINDS: dict[str, FileKind] = {k.key: k for k in (PROJECTS_KIND, PROPOSALS_KIND, MEETINGS_KIND, STATUSES_KIND)}
# Order in which several files are imported (a status update needs its project).
IMPORT_ORDER = ("projects", "proposals", "meetings", "status_history")


def kind_by_name(name: str) -> FileKind:
    """A kind by key or French label (``projects``, ``projets``, ``statuts``…).

    Raises
    ------
    ValueError
        Unknown name (quoted, with the names allowed).
    """
    folded = fold(name)
    for kind in KINDS.values():
        if folded in (kind.key, fold(kind.label)):
            return kind
    raise ValueError(f"type de fichier inconnu : {name!r} (attendu : {', '.join(k.label for k in KINDS.values())})")


def header_map(kind: FileKind) -> dict[str, str]:
    """Folded header → dictionary column, for the French headers and the dictionary's own names."""
    out = {fold(column): column for column in kind.schema.column_names}
    out |= {fold(header): column for column, header in kind.headers.items()}
    return out
