"""Controlled vocabularies of the curated datasets, with their French labels."""

from __future__ import annotations

THEMES: dict[str, str] = {
    "acces_medecin": "Accès à un médecin traitant / équipe traitante, exercice coordonné",
    "soins_non_programmes": "Continuité des soins, soins non programmés, urgences",
    "attractivite": "Attractivité des métiers de la santé, formation",
    "prevention": "Prévention",
}

THEME_SHORT: dict[str, str] = {
    "acces_medecin": "Accès au médecin traitant",
    "soins_non_programmes": "Soins non programmés",
    "attractivite": "Attractivité",
    "prevention": "Prévention",
}

# « abandonne » never comes from the documents: people record it (cnrmap.records).
STATUSES: dict[str, str] = {
    "realise": "Réalisé",
    "en_cours": "En cours",
    "abandonne": "Abandonné",
    "non_renseigne": "Non renseigné",
}
UNKNOWN_STATUS = "non_renseigne"

LOCATION_PRECISIONS: dict[str, str] = {
    "commune": "Commune",
    "etablissement": "Établissement",
    "departement": "Département entier",
}

SCOPE_LEVELS: dict[str, str] = {"region": "Région", "departement": "Département"}

PROPOSAL_LEVELS: dict[str, str] = {
    "proposition": "Proposition",
    "groupe": "Groupe de solutions",
    "sujet": "Sujet",
}

MEETING_KINDS: dict[str, str] = {
    "lancement": "Lancement",
    "reunion_territoriale": "Réunion territoriale",
    "reunion_departementale": "Réunion départementale",
    "atelier": "Atelier",
    "autre": "Autre",
}

ZONING: dict[str, str] = {
    "ZIP": "Zone d'intervention prioritaire (ZIP)",
    "ZAC": "Zone d'action complémentaire (ZAC)",
    "ZAR": "Zone d'action régionale (ZAR)",
    "HZ": "Hors zonage",
    "ND": "Résultat non disponible",
}
