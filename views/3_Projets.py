"""Projets: the local CNR santé projects, filterable, with their status and a CSV of what is shown."""

import streamlit as st

from cnrmap import cached, vocab
from cnrmap.curated.definitions import Filters, select_projects
from cnrmap.curated.tables import projects_table

st.set_page_config(page_title="CNR santé — Projets", page_icon="📍", layout="wide")
st.title("Projets locaux")
st.caption(
    "Projets de la brochure de l'ARS Provence-Alpes-Côte d'Azur (« Dans les territoires »). Statut : dossiers "
    "de presse des Bouches-du-Rhône et du Var un an après ; ailleurs « non renseigné »."
)

data = cached.or_stop(cached.cnr_data)
ref = cached.or_stop(cached.reference)
dep_names = dict(zip(ref.departments["code"], ref.departments["name"], strict=True))
present = sorted(set(data.projects["department_code"]))

with st.container(horizontal=True):
    themes = cached.filter_select("Thème", vocab.THEME_SHORT, key="themes")
    statuses = cached.filter_select("Statut", vocab.STATUSES, key="statuses")
    departments = cached.filter_select(
        "Département", {c: f"{dep_names.get(c, c)} ({c})" for c in present}, key="departments"
    )
text = st.text_input("Rechercher dans le titre et le résumé", key="text")

shown = select_projects(data.projects, Filters(tuple(themes), tuple(statuses)), departments or None, text)
table = projects_table(shown, ref.departments)
st.write(f"**{len(table)}** projet(s) sur {len(data.projects)}.")
st.dataframe(
    table,
    hide_index=True,
    column_config={"Carte": st.column_config.LinkColumn("Carte", display_text="Voir sur la carte")},
)
cached.csv_downloads(table, "cnr-projets")
