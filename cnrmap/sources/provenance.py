"""What the Sources page shows: the seed documents, the external datasets and what is installed."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

from cnrmap.config import Settings
from cnrmap.sources.catalog import Source, load_catalog
from cnrmap.sources.doctor import Check

SEED_DOCUMENTS: tuple[tuple[str, str, str], ...] = (
    (
        "000_94171454de998992.txt",
        "ARS Provence-Alpes-Côte d'Azur",
        "Innover pour notre santé — le CNR en santé en Provence-Alpes-Côte d'Azur (brochure : 76 propositions, 41 projets)",
    ),
    ("001_b025d499e17d2ded.txt", "ARS Paca", "Dossier de presse Bouches-du-Rhône, un an après (statut des projets)"),
    ("002_2c4c869459a1ff39.txt", "ARS Paca", "Dossier de presse Var, au 8 novembre 2023 (statut des projets)"),
    ("003_69b1a6520f933c0b.txt", "ARS Nouvelle-Aquitaine", "Synthèse des 47 ateliers territoriaux du CNR santé"),
    ("004_f8df66b376ad1324.txt", "CNR santé Hérault", "Synthèse de restitution (réunion du 24 novembre 2022)"),
)


# Short titles for citations in popups, panels and exports (the document first, its file and lines after).
SHORT_TITLES: dict[str, str] = {
    "000_94171454de998992.txt": "Brochure ARS PACA « Innover pour notre santé », 2023",
    "001_b025d499e17d2ded.txt": "Dossier de presse ARS PACA — Bouches-du-Rhône, 2023",
    "002_2c4c869459a1ff39.txt": "Dossier de presse ARS PACA — Var, novembre 2023",
    "003_69b1a6520f933c0b.txt": "Synthèse des ateliers CNR santé — ARS Nouvelle-Aquitaine, 2022",
    "004_f8df66b376ad1324.txt": "Synthèse de restitution CNR santé — Hérault, novembre 2022",
}
_REFERENCE = re.compile(r"^(?P<file>\d{3}_[0-9a-f]{16}\.txt):(?P<lines>\d+(?:-\d+)?)$")


def cite(source: str, detail: bool = True) -> str:
    """A row's ``source`` (``000_….txt:556-576; 000_….txt:12``) in words: the document's title first, then the
    lines and the file as a secondary reference. References to the same document are grouped; text that is not
    a seed reference is returned as it is. ``detail=False`` keeps the titles only (a slide's table; its notes
    carry the lines and files)."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for part in (p.strip() for p in str(source or "").split(";")):
        if not part:
            continue
        m = _REFERENCE.match(part)
        if m and m["file"] in SHORT_TITLES:
            groups.setdefault(m["file"], []).append(m["lines"])
        else:
            others.append(part)
    cited = [
        f"{SHORT_TITLES[file]} (l. {', '.join(lines)} ; fichier {file})" if detail else SHORT_TITLES[file]
        for file, lines in groups.items()
    ]
    return " ; ".join(cited + others)


def documents_table() -> pd.DataFrame:
    return pd.DataFrame(SEED_DOCUMENTS, columns=["Fichier cité", "Auteur", "Document"])


def fetched_at(settings: Settings, source: Source) -> datetime | None:
    """When the newest local file of ``source`` was written, or ``None`` if nothing is installed."""
    times = [
        source.local_path(settings, f).stat().st_mtime for f in source.files if source.local_path(settings, f).is_file()
    ]
    return datetime.fromtimestamp(max(times)) if times else None


def catalog_table(settings: Settings, checks: list[Check]) -> pd.DataFrame:
    """One row per external dataset: who, licence, vintage, where from, and what is installed here."""
    by_id = {c.id: c for c in checks}
    rows = []
    for source in load_catalog():
        check = by_id.get(source.id)
        when = fetched_at(settings, source)
        urls = [f.url for f in source.files if f.url]
        rows.append(
            {
                "Jeu": source.title,
                "Producteur": source.producer,
                "Licence": source.licence,
                "Millésime": source.vintage,
                "Page officielle": source.homepage,
                "Téléchargement officiel": urls[0]
                if len(urls) == 1
                else (f"{len(urls)} fichiers" if urls else "miroir"),
                "État": "installé" if check and check.ok else "non installé",
                "Téléchargé le": when.strftime("%d/%m/%Y %H:%M") if when else "",
                "Pour l'installer": "" if check and check.ok else (check.fix if check else ""),
                "Remarques": source.notes,
            }
        )
    return pd.DataFrame(rows)


def checks_table(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Élément": [c.label for c in checks],
            "État": ["✅ présent" if c.ok else ("❌ manquant" if c.required else "➖ non installé") for c in checks],
            "Détail": [c.detail for c in checks],
            "Commande": [c.fix if not c.ok else "" for c in checks],
        }
    )


def indicator_sources(indicators) -> list[str]:
    """French sentences on where the indicators that have a choice of source draw from now (Sources page)."""
    lines = []
    patients = indicators.get("patients_sans_mt")
    if patients is not None:
        if patients.origin == "documents":
            lines.append(
                "**Part des patients sans médecin traitant** : source en usage = chiffres cités par les synthèses "
                "régionales du CNR santé (années diverses ; pas de source nationale installée). Table officielle de "
                f"la CNAM : {patients.install_hint}"
            )
        else:
            lines.append(f"**Part des patients sans médecin traitant** : source en usage = {patients.source}.")
    apl = indicators.get("apl_mg")
    if apl is not None:
        state = "installée" if apl.installed else f"non installée ({apl.install_hint})"
        lines.append(
            f"**APL aux médecins généralistes par commune** ({', '.join(apl.years)}) : {state}. Les moyennes "
            "départementales et régionales de la carte sont des moyennes des communes pondérées par la population "
            "INSEE 2023, affichées à côté de la table départementale (agrégation tierce) avec l'écart."
        )
    return lines


def apl_gaps_table() -> pd.DataFrame:
    """The communes the APL copy has no value for, and why (legend and Sources page say the same)."""
    from cnrmap.indicators import apl

    return pd.DataFrame(
        [
            ("Corse (2A, 2B)", apl.CORSICA),
            ("Paris (75056), Lyon (69123), Marseille (13055)", apl.PLM_REASON),
            ("Mayotte (976)", apl.MAYOTTE),
            ("Six communes de la Meuse détruites en 1916, sans habitant", apl.UNINHABITED),
            ("Quelques communes certaines années (ex. 12218, 14581, 15031, 69114)", apl.year_missing("AAAA")),
        ],
        columns=["Communes sans valeur", "Raison (légende de la carte)"],
    )


FIGURE_COLUMNS: dict[str, str] = {
    "id": "Identifiant",
    "territory": "Territoire (tel qu'imprimé)",
    "territory_level": "Niveau",
    "territory_codes": "Codes INSEE",
    "indicator_label": "Chiffre",
    "value": "Valeur",
    "unit": "Unité",
    "year": "Année",
    "quote": "Citation",
    "source": "Source",
    "remark": "Remarque",
}


def figures_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The documents' figures with French headings, the source in words (Sources page)."""
    from cnrmap import vocab

    table = figures[list(FIGURE_COLUMNS)].copy()
    table["territory_level"] = table["territory_level"].map(vocab.FIGURE_LEVELS)
    table["source"] = table["source"].map(cite)
    table.insert(5, "Indicateur", figures["indicator"].map(vocab.FIGURE_INDICATORS))
    return table.rename(columns=FIGURE_COLUMNS).reset_index(drop=True)
