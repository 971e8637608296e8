"""Propositions: what the consultations proposed, by theme and territory, with a CSV of what is shown."""

import streamlit as st

from cnrmap import cached, vocab
from cnrmap.curated.definitions import Filters, proposition_totals, select_propositions
from cnrmap.curated.tables import proposals_table

st.set_page_config(page_title="CNR santé — Propositions", page_icon="💬", layout="wide")
st.title("Propositions")
st.caption(
    "Propositions régionales (Provence-Alpes-Côte d'Azur, Nouvelle-Aquitaine) et départementales "
    "(départements de Nouvelle-Aquitaine, Hérault). Le nombre de verbatims est celui des synthèses de "
    "Nouvelle-Aquitaine ; les autres documents n'en donnent pas."
)

data = cached.or_stop(cached.cnr_data)
ref = cached.or_stop(cached.reference)
names = dict(zip(ref.regions["code"], ref.regions["name"], strict=True)) | dict(
    zip(ref.departments["code"], ref.departments["name"], strict=True)
)
territories = sorted(set(data.proposals["territory_code"]), key=lambda c: (len(c) == 2, c))

with st.container(horizontal=True):
    themes = cached.filter_select("Thème", vocab.THEME_SHORT, key="themes")
    chosen = cached.filter_select("Territoire", {c: f"{names.get(c, c)} ({c})" for c in territories}, key="territories")
    with_groups = st.toggle("Inclure les groupes de solutions", key="groups")
text = st.text_input("Rechercher dans le texte", key="text")

levels = ("proposition", "groupe", "sujet") if with_groups else ("proposition",)
filters = Filters(themes=tuple(themes))
shown = select_propositions(data.proposals, filters, territories=chosen or None, text=text, levels=levels)
table = proposals_table(shown, ref.regions, ref.departments)
totals = proposition_totals(shown[shown["level"] == "proposition"])
st.write(f"**{len(table)}** ligne(s) : {totals.sentence()}.")
st.dataframe(
    table,
    hide_index=True,
    column_config={"Carte": st.column_config.LinkColumn("Carte", display_text="Voir sur la carte")},
)
cached.csv_downloads(table, "cnr-propositions")
