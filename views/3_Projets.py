"""Projets: the local CNR santé projects at a date, filterable, each with its status history and, where the
deployment allows it, a form to record a new status."""

import datetime as dt

import streamlit as st

from cnrmap import cached, vocab
from cnrmap.curated.definitions import Filters, as_of_phrase, select_projects
from cnrmap.curated.history import period_notes, project_history
from cnrmap.curated.tables import history_table, map_link, projects_table
from cnrmap.errors import DataError
from cnrmap.french import format_date
from cnrmap.records.history import FORM, StatusUpdate, record_status

st.set_page_config(page_title="CNR santé — Projets", page_icon="📍", layout="wide")
st.title("Projets locaux")
st.caption(
    "Projets de la brochure de l'ARS Provence-Alpes-Côte d'Azur (« Dans les territoires ») et des régions importées "
    "(page Données). Statut : dossiers de presse des Bouches-du-Rhône et du Var un an après, puis les mises à jour "
    "enregistrées ; ailleurs « non renseigné »."
)

settings = cached.settings()
data = cached.or_stop(cached.cnr_data)
ref = cached.or_stop(cached.reference)
dep_names = dict(zip(ref.departments["code"], ref.departments["name"], strict=True))
present = sorted(set(data.projects["department_code"]))
today = dt.date.today()

with st.container(horizontal=True):
    themes = cached.filter_select("Thème", vocab.THEME_SHORT, key="themes")
    statuses = cached.filter_select("Statut", vocab.STATUSES, key="statuses")
    departments = cached.filter_select(
        "Département", {c: f"{dep_names.get(c, c)} ({c})" for c in present}, key="departments"
    )
    as_of = st.date_input("État au", value=today, max_value=today, format="DD/MM/YYYY", key="as_of")
text = st.text_input("Rechercher dans le titre et le résumé", key="text")

dated = data.projects_as_of(as_of)
shown = select_projects(dated, Filters(tuple(themes), tuple(statuses)), departments or None, text)
table = projects_table(shown, ref.departments, as_of)
st.write(f"**{len(table)}** projet(s) sur {len(data.projects)} — {as_of_phrase(as_of).lower()}.")
for note in period_notes(data.history, shown["id"], as_of.isoformat()):
    st.caption(note)
st.dataframe(
    table,
    hide_index=True,
    column_config={"Carte": st.column_config.LinkColumn("Carte", display_text="Voir sur la carte")},
)
cached.csv_downloads(table, "cnr-projets")

# --- One project's history, and a new entry -------------------------------------------------------------
st.subheader("Historique des statuts")
titles = dict(zip(data.projects["id"], data.projects["title"], strict=True))
chosen = st.selectbox(
    "Projet", list(titles), format_func=lambda i: f"{i} — {titles[i]}", key="history_project", placeholder="Choisir"
)
row = dated[dated["id"] == chosen].iloc[0]
when = f" ({row['status_date_label']})" if row["status_date_label"] else ""
st.markdown(
    f"{as_of_phrase(as_of)} : **{vocab.STATUSES[row['status']]}**{when}. "
    f"[Voir sur la carte]({map_link('departement:' + row['department_code'], chosen, as_of)})"
)
st.dataframe(history_table(project_history(data.history, chosen)), hide_index=True, key="history_table")

signed_in = cached.signed_in_user()


def record() -> None:
    """Form callback: check and record the entry; the page then reruns on the new data."""
    state = st.session_state
    who = signed_in or state.get("record_by", "")
    update = StatusUpdate(
        chosen, state.record_date, state.record_status, state.record_source, state.record_comment, who, FORM
    )
    try:
        number = record_status(settings, update, set(data.projects["id"]), author_required=True)
    except DataError as exc:
        state.record_outcome = ("error", exc)
        return
    state.record_outcome = (
        "ok",
        f"Statut n° {number} enregistré : {chosen} {vocab.STATUSES[update.status].lower()} à partir du "
        f"{format_date(update.date)}. Il figure dans l'historique ci-dessus et sur la carte.",
    )
    state.record_source, state.record_comment = "", ""


if settings.editing:
    with st.form("record_form"):
        st.markdown(f"**Enregistrer un nouveau statut pour {chosen}**")
        left, right = st.columns(2)
        left.date_input("Date à partir de laquelle le statut vaut", value=today, format="DD/MM/YYYY", key="record_date")
        right.selectbox("Statut", list(vocab.STATUSES), format_func=vocab.STATUSES.get, key="record_status")
        st.text_input(
            "Source (document, réunion ou courrier qui l'établit)",
            key="record_source",
            placeholder="Compte rendu du comité de suivi du 12 mars 2024",
        )
        st.text_area("Commentaire (facultatif)", key="record_comment", height=80)
        if signed_in:
            st.caption(f"Enregistré par : {signed_in} (nom donné par l'authentification du serveur).")
        else:
            st.text_input("Votre nom (enregistré avec le statut)", key="record_by")
        st.form_submit_button("Enregistrer ce statut", on_click=record, key="record_submit")
    outcome = st.session_state.pop("record_outcome", None)
    if outcome and outcome[0] == "error":
        cached.show_error(outcome[1])
    elif outcome:
        st.success(outcome[1])
else:
    st.info(
        "L'enregistrement de statuts est désactivé sur ce déploiement (lecture seule). Il s'active avec "
        "CNRMAP_EDITING=1, derrière l'authentification du serveur (voir le README) ; la ligne de commande "
        "« cnrmap data status » reste possible pour qui gère les données."
    )
