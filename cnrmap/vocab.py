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

# The documents' territorial figures (data/document_figures.csv).
FIGURE_LEVELS: dict[str, str] = {
    "commune": "Commune",
    "epci": "Intercommunalité (EPCI)",
    "arrondissement": "Arrondissement",
    "departement": "Département",
    "region": "Région",
    "france": "France",
    "zone_atelier": "Territoire d'atelier",
    "autre": "Autre territoire",
}

FIGURE_INDICATORS: dict[str, str] = {
    "population": "Population",
    "part_75_ans_plus": "Part des 75 ans et plus",
    "part_60_ans_plus": "Part des 60 ans et plus",
    "part_ald": "Part de la population en affection de longue durée (ALD)",
    "part_css": "Part des bénéficiaires de la complémentaire santé solidaire (CSS)",
    "part_sans_mutuelle": "Part de la population sans complémentaire santé",
    "taux_pauvrete": "Taux de pauvreté",
    "patients_sans_mt_part": "Part des patients sans médecin traitant",
    "patients_sans_mt_nombre": "Nombre de patients sans médecin traitant",
    "patients_sans_mt_evolution": "Évolution des patients sans médecin traitant",
    "nb_medecins_generalistes": "Nombre de médecins généralistes",
    "densite_medecins_generalistes": "Densité de médecins généralistes",
    "part_mg_60_ans_plus": "Part des médecins généralistes âgés (60 ans et plus, ou 55)",
    "evolution_medecins_generalistes": "Évolution du nombre de médecins généralistes",
    "nb_professionnels": "Nombre d'autres professionnels de santé",
    "densite_professionnels": "Densité d'autres professionnels de santé",
    "nb_msp": "Maisons de santé pluriprofessionnelles (MSP)",
    "nb_cpts": "Communautés professionnelles territoriales de santé (CPTS)",
    "nb_centres_sante": "Centres de santé",
    "nb_etablissements": "Établissements (hôpitaux, EHPAD, officines…)",
    "part_zip": "Part de la population en ZIP",
    "part_zac": "Part de la population en ZAC",
    "apl_medecins_generalistes": "APL aux médecins généralistes",
    "passages_urgences": "Passages aux urgences",
    "autre": "Autre chiffre",
}
