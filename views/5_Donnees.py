"""Données: templates to fill, the import of another region's CNR data, the list of imports, a backup."""

import streamlit as st

from cnrmap import cached
from cnrmap.errors import DataError
from cnrmap.records.columns import KINDS, kind_by_name
from cnrmap.records.data import export_zip
from cnrmap.records.imports import check_file, import_file, imports_table, remove_import
from cnrmap.records.templates import GUIDE_NAME, guide_csv, guide_table, template_csv, template_xlsx

st.set_page_config(page_title="CNR santé — Données", page_icon="🗂️", layout="wide")
st.title("Données d'autres régions")
st.caption(
    "Chaque ARS a mené la même concertation. Remplissez un modèle avec les projets, propositions ou réunions de "
    "votre région (ou des mises à jour de statut), puis importez-le : il est vérifié avec les mêmes règles que les "
    "données curées, ajouté en entier ou pas du tout, et apparaît ensuite partout (accueil, carte, tableaux, "
    "exports). Les fichiers curés des documents ne sont jamais modifiés."
)
settings = cached.settings()
data = cached.or_stop(cached.cnr_data)
signed_in = cached.signed_in_user()

st.subheader("1. Modèles à remplir")
st.markdown(
    "En-têtes en français, une ligne d'exemple (à remplacer : un identifiant commençant par « EXEMPLE » est "
    "refusé), listes de valeurs dans le classeur XLSX et dans le guide des colonnes."
)
for kind in KINDS.values():
    with st.container(horizontal=True):
        st.markdown(f"**{kind.label.capitalize()}**")
        st.download_button("CSV", template_csv(kind), f"{kind.stem}.csv", "text/csv", key=f"template_csv_{kind.key}")
        st.download_button(
            "XLSX",
            template_xlsx(kind),
            f"{kind.stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"template_xlsx_{kind.key}",
        )
    with st.expander(f"Colonnes d'un fichier de {kind.label}"):
        st.dataframe(guide_table(kind), hide_index=True)
st.download_button("Guide des colonnes et listes de valeurs (CSV)", guide_csv(), GUIDE_NAME, "text/csv", key="guide")

st.subheader("2. Importer un fichier")
upload = st.file_uploader("Fichier CSV ou XLSX rempli d'après un modèle", type=["csv", "txt", "xlsx"], key="upload")
labels = {"": "D'après l'en-tête"} | {k.key: k.label.capitalize() for k in KINDS.values()}
chosen_kind = st.selectbox("Type de fichier", list(labels), format_func=labels.get, key="upload_kind")
if not settings.editing:
    st.info(
        "Ce déploiement est en lecture seule : vous pouvez vérifier un fichier, pas l'ajouter. L'ajout s'active "
        "avec CNRMAP_EDITING=1 derrière l'authentification du serveur (voir le README), ou en ligne de commande : "
        "« cnrmap data import FICHIER »."
    )
elif not signed_in:
    st.text_input("Votre nom (enregistré avec l'import)", key="import_by")
else:
    st.caption(f"Import enregistré au nom de {signed_in} (authentification du serveur).")

kind = kind_by_name(chosen_kind) if chosen_kind else None
with st.container(horizontal=True):
    check_clicked = st.button("Vérifier le fichier", key="check", disabled=upload is None)
    add_clicked = settings.editing and st.button(
        "Vérifier et ajouter", key="add", disabled=upload is None, type="primary"
    )
if upload is not None and (check_clicked or add_clicked):
    who = signed_in or st.session_state.get("import_by", "")
    try:
        cog = cached.import_reference()  # every commune code, loaded once per server
    except DataError:
        cog = None  # not installed: the report says that only the documents' communes are known
    try:
        if add_clicked:
            if not who.strip():
                raise DataError("Votre nom est obligatoire pour ajouter un fichier.", hint="Remplissez « Votre nom ».")
            summary = import_file(settings, upload.getvalue(), upload.name, who, data, kind, cog=cog)
            for note in summary.notes:
                st.caption(note)
            st.success(summary.sentence() + " Les pages Accueil, Carte, Propositions et Projets le montrent déjà.")
        else:
            check = check_file(upload.getvalue(), upload.name, settings, data, kind, cog=cog)
            for note in check.notes:
                st.caption(note)
            if check.ok:
                st.success(f"{upload.name} : {len(check.frame)} ligne(s) de {check.kind.label}, aucun problème.")
            else:
                cached.show_error(check.error())
    except DataError as exc:
        cached.show_error(exc)


def remove() -> None:
    """Button callback: remove the chosen import before the page reruns (the list is then up to date)."""
    number = int(st.session_state.remove_number)
    try:
        st.session_state.remove_outcome = f"Import n° {number} retiré ({remove_import(settings, number)} ligne(s))."
    except DataError as exc:
        st.session_state.remove_outcome = exc


st.subheader("3. Imports enregistrés")
outcome = st.session_state.pop("remove_outcome", None)
if isinstance(outcome, DataError):
    cached.show_error(outcome)
elif outcome:
    st.success(outcome)
imports = imports_table(settings)
if imports.empty:
    st.caption("Aucun fichier importé pour l'instant.")
else:
    st.dataframe(imports, hide_index=True, key="imports")
    if settings.editing:
        with st.container(horizontal=True):
            st.selectbox("Import à retirer", list(imports["N°"]), key="remove_number")
            st.button("Retirer cet import et ses lignes", key="remove", on_click=remove)

st.subheader("4. Sauvegarde")
st.markdown(
    "Tout ce qui a été enregistré (imports et statuts), en CSV aux colonnes du dictionnaire des données : "
    "une sauvegarde que « cnrmap data import » relit, et un moyen de verser les données dans le dépôt."
)
st.download_button(
    "Télécharger les données enregistrées (ZIP de CSV)",
    lambda: export_zip(settings),
    "cnrmap-donnees-enregistrees.zip",
    "application/zip",
    key="backup",
)
