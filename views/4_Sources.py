"""Sources: every dataset with producer, licence, vintage, URL, what is installed, which boundaries are in use."""

import streamlit as st

from cnrmap import cached
from cnrmap.indicators import registry
from cnrmap.sources.provenance import (
    apl_gaps_table,
    catalog_table,
    checks_table,
    documents_table,
    figures_table,
    indicator_sources,
)

st.set_page_config(page_title="CNR santé — Sources", page_icon="📚", layout="wide")
st.title("Sources et licences")

boundaries = cached.or_stop(cached.departments)
st.info(f"**Contours utilisés** : {boundaries.description}")

st.subheader("Documents du CNR santé")
st.write("Chaque ligne des données cite le fichier et la ligne du document où le fait figure.")
st.dataframe(documents_table(), hide_index=True)

checks = cached.or_stop(cached.diagnosis)
st.subheader("Données externes")
st.dataframe(
    catalog_table(cached.settings(), checks),
    hide_index=True,
    column_config={"Page officielle": st.column_config.LinkColumn("Page officielle")},
)
st.caption(
    "L'APL par département est une agrégation de données communales de la DREES faite par un tiers, "
    "pas un chiffre officiel de la DREES. Les contours sont ceux du COG 2018 ; zonage et populations "
    "sont en COG 2026 : les communes fusionnées depuis 2018 reçoivent l'union de leurs anciens contours."
)

indicators = cached.indicators()
st.subheader("Indicateurs de la carte")
for line in indicator_sources(indicators):
    st.markdown(line)
st.dataframe(registry.rows(list(indicators.values())), hide_index=True)
st.markdown("**APL par commune : communes sans valeur** (jamais comptées comme zéro)")
st.dataframe(apl_gaps_table(), hide_index=True)

data = cached.or_stop(cached.cnr_data)
st.subheader("Chiffres cités par les documents")
st.write(
    f"{len(data.figures)} chiffres territoriaux imprimés dans les cinq documents, relevés tels quels avec leur "
    "citation et la ligne du document (data/document_figures.csv). Une remarque signale un chiffre qui ne découle "
    "pas des nombres voisins ou qui s'écarte du chiffre officiel : le document n'est jamais corrigé."
)
st.dataframe(figures_table(data.figures), hide_index=True)

st.subheader("Ce qui est installé sur ce poste")
st.dataframe(checks_table(checks), hide_index=True)
st.caption("Diagnostic complet en ligne de commande : `cnrmap doctor`. Installation : `cnrmap fetch`.")
