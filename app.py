"""Entry point: the navigation, and the Accueil page (what the app shows, sources, key figures, links)."""

import datetime as dt

import streamlit as st

from cnrmap import cached
from cnrmap.curated.definitions import as_of_phrase, published_totals, summarize
from cnrmap.sources.provenance import cite


def home() -> None:
    st.set_page_config(page_title="CNR santé — Accueil", page_icon="🗺️", layout="wide")
    st.title("Le CNR santé sur la carte")
    st.markdown(
        "Les concertations du **Conseil national de la refondation en santé** (2022-2023) ont produit des "
        "propositions et des projets locaux. Cette application les place sur une même carte, à côté des "
        "indicateurs qui les éclairent : densité de médecins généralistes, accessibilité (APL), zonage "
        "médecins de l'ARS (ZIP / ZAC / hors zonage)."
    )

    data = cached.or_stop(cached.cnr_data)
    today = dt.date.today()
    figures = summarize(data.projects_as_of(today), data.proposals, data.meetings)
    props = figures.propositions

    cols = st.columns(5)
    cols[0].metric("Projets locaux", figures.projects)
    cols[1].metric("dont réalisés", figures.by_status["realise"])
    cols[2].metric("dont en cours", figures.by_status["en_cours"])
    cols[3].metric(
        "Propositions distinctes",
        props.distinct,
        help=props.sentence()
        + ". Une proposition régionale s'applique à toute sa région ; elle n'est pas comptée dans chaque département.",
    )
    cols[4].metric("Réunions et ateliers", figures.meetings)
    dropped = figures.by_status["abandonne"]
    st.caption(
        f"{len(figures.regions)} régions couvertes. {props.sentence()}. Statut des projets : {as_of_phrase(today).lower()}, "
        "selon les dossiers de presse des Bouches-du-Rhône et du Var (un an après) et les mises à jour enregistrées "
        f"depuis{f' ({dropped} abandonné(s))' if dropped else ''} ; {figures.by_status['non_renseigne']} projets "
        "sans statut connu (« non renseigné », jamais deviné)."
    )

    published = published_totals(data.status_totals)
    if published:
        st.markdown("**Bilans publiés par l'ARS Provence-Alpes-Côte d'Azur, tels qu'imprimés :**")
        st.markdown(
            "\n".join(
                f"- {row['realise']} réalisés et {row['en_cours']} en cours sur {row['total']} projets, "
                f"{row['as_of_label']} — {cite(str(row['source']))}"
                for row in published
            )
        )
        counted = figures.by_status
        st.caption(
            f"Décompte projet par projet des mêmes dossiers : {counted['realise']} réalisés, {counted['en_cours']} en "
            f"cours, {counted['non_renseigne']} sans statut publié. Les deux bilans ne concordent ni entre eux ni avec "
            "ce décompte : ils sont montrés tels quels, sans réconciliation."
        )

    st.subheader("Explorer")
    links = st.columns(5)
    links[0].page_link("views/1_Carte.py", label="Carte")
    links[1].page_link("views/2_Propositions.py", label="Propositions")
    links[2].page_link("views/3_Projets.py", label="Projets")
    links[3].page_link("views/4_Sources.py", label="Sources")
    links[4].page_link("views/5_Donnees.py", label="Données")

    st.subheader("D'où viennent les données")
    st.markdown(
        "- **CNR santé** : brochure régionale de l'ARS Provence-Alpes-Côte d'Azur, dossiers de presse des "
        "Bouches-du-Rhône et du Var, synthèse des 47 ateliers de Nouvelle-Aquitaine, synthèse de l'Hérault. "
        "Chaque ligne cite le document et la ligne où le fait figure.\n"
        "- **Indicateurs** : densité de médecins généralistes libéraux (CNAM, 2024), APL (agrégation "
        "départementale de données DREES), zonage médecins (CartoSanté / ARS), populations légales (INSEE).\n"
        "- **Contours** : IGN ADMIN EXPRESS COG 2018 (Licence Ouverte).\n\n"
        "Le détail, les millésimes et les licences sont sur la page **Sources**."
    )


PAGES = [
    st.Page(home, title="Accueil", default=True),
    st.Page("views/1_Carte.py", title="Carte", url_path="carte"),
    st.Page("views/2_Propositions.py", title="Propositions", url_path="propositions"),
    st.Page("views/3_Projets.py", title="Projets", url_path="projets"),
    st.Page("views/4_Sources.py", title="Sources", url_path="sources"),
    st.Page("views/5_Donnees.py", title="Données", url_path="donnees"),
]
st.navigation(PAGES).run()
