"""Carte: the layered map of indicators, CNR projects and meetings, with its controls and detail panel."""

import datetime as dt
from functools import partial

import streamlit as st
from streamlit_folium import st_folium

from cnrmap import cached, vocab
from cnrmap.carte import classify
from cnrmap.carte.panel import click_to_code, detail_markdown, territory_detail
from cnrmap.carte.search import find_places, territory_of
from cnrmap.carte.state import BASEMAPS, LAYERS, LEVELS, NEEDS, MapState, parse_as_of
from cnrmap.curated.definitions import project_by_id
from cnrmap.errors import DataError
from cnrmap.export import data as export_data
from cnrmap.export import layout as export_layout
from cnrmap.export import png as export_png
from cnrmap.export.csv import to_csv_bytes
from cnrmap.importer import import_indicator
from cnrmap.indicators import cnr as cnr_indicators
from cnrmap.indicators import documents as document_figures
from cnrmap.indicators import registry
from cnrmap.leaflet.legend import legend_html
from cnrmap.leaflet.page import page_map

PLACES_SHOWN = 30
LEGEND_BOX = "border:1px solid #d0d7de;border-radius:4px;padding:8px 10px;background:#fff;font-size:13px"
MAP_HEIGHT = 720
IMPORTS_KEPT = 3  # imported indicators a session keeps (the oldest goes): each is up to 35,000 values
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
EXPORT_SIZES = {"16:9": "Diapositive 16:9 (1920×1080)", "a4": "A4 paysage (300 dpi)"}

st.set_page_config(page_title="CNR santé — Carte", page_icon="🗺️", layout="wide")
cached.static_assets()

data = cached.or_stop(cached.cnr_data)
ref = cached.or_stop(cached.reference)
imported = st.session_state.setdefault("imported", {})

# --- State: the URL is the truth; widgets are (re)initialised from it when it changes. -------------------
params = st.query_params.to_dict()
if st.session_state.get("carte_params") != params:
    state, url_warnings = MapState.from_query_params(params)
    st.session_state.update(
        territory=state.territory,
        level=state.level,
        indicator=state.indicator or "",
        overlay=state.overlay or "",
        method=state.method,
        classes=state.classes,
        palette=state.palette,
        fixed_breaks=state.fixed_breaks,
        theme=state.theme or "",
        statuses=list(state.statuses),
        layers=list(state.layers),
        basemap=state.basemap,
        need=state.need or "",
        threshold=state.threshold,
        as_of=state.as_of_date,
        year=state.year,
        from_year=state.from_year,
        evolution=state.from_year is not None,
        figure=state.figure or document_figures.DEFAULT_FIGURE,
        place=state.place,
        url_warnings=url_warnings,
    )
    st.session_state["carte_params"] = params

territories = {"FR": "France entière"}
territories |= {f"region:{c}": f"Région — {n}" for c, n in zip(ref.regions["code"], ref.regions["name"], strict=True)}
territories |= {
    f"departement:{c}": f"{n} ({c})" for c, n in zip(ref.departments["code"], ref.departments["name"], strict=True)
}


def go_to_place() -> None:
    key = cached.search_places().get(st.session_state.get("search") or "")
    if key:
        territory, commune = territory_of(key)
        st.session_state.territory = territory
        st.session_state.place = commune
        st.session_state.selected_code = commune
        if commune:
            st.session_state.level = "commune"


def forget_place() -> None:
    """A territory or level chosen by hand: the searched commune is no longer the subject."""
    st.session_state.place = None


def upload_key() -> str:
    """The uploader's key: a new one after each import, so that the widget forgets the file."""
    round_ = st.session_state.get("upload_round", 0)
    return f"upload_{round_}" if round_ else "upload"


def import_upload() -> None:
    upload = st.session_state.get(upload_key())
    if upload is None:
        return
    name = st.session_state.import_name or upload.name
    try:
        result = import_indicator(
            upload.getvalue(),
            upload.name,
            reference=cached.import_reference(),
            name=name,
            unit=st.session_state.import_unit,
        )
    except DataError as exc:
        st.session_state.import_outcome = ("error", exc.render(), None)
        return
    table = None
    if result.usable:
        indicator = cnr_indicators.imported_indicator(
            result.values, result.level, name, st.session_state.import_unit, upload.name
        )
        imported.pop(indicator.id, None)
        imported[indicator.id] = indicator
        while len(imported) > IMPORTS_KEPT:
            imported.pop(next(iter(imported)))
        st.session_state.level, st.session_state.indicator = indicator.level, indicator.id
        table = result.table()
    st.session_state.import_outcome = ("report", result.report.to_french(), table)


def import_and_forget() -> None:
    """Import, then drop the file, accepted or refused: the session keeps the indicator or the message only."""
    upload = st.session_state.get(upload_key())
    try:
        import_upload()
    finally:
        cached.forget_upload(upload)
        st.session_state.upload_round = st.session_state.get("upload_round", 0) + 1


with st.sidebar:
    query = st.text_input(
        "Rechercher un lieu", placeholder="Commune, département, région, code INSEE…", key="search_text"
    )
    if query:
        found = find_places(cached.folded_places(), query, limit=PLACES_SHOWN)
        if found:
            st.selectbox(
                f"{len(found)} lieu(x) trouvé(s)" + (" (les premiers)" if len(found) == PLACES_SHOWN else ""),
                found,
                index=None,
                placeholder="Choisir un lieu…",
                key="search",
                on_change=go_to_place,
            )
        else:
            st.caption(f"Aucun lieu ne correspond à « {query} ».")
    st.selectbox("Territoire", list(territories), format_func=territories.get, key="territory", on_change=forget_place)
    st.radio("Niveau", list(LEVELS), format_func=LEVELS.get, key="level", horizontal=True, on_change=forget_place)
    catalogue = cached.indicators() | {k: v.as_indicator() for k, v in imported.items()}
    level = st.session_state.level
    choices = {
        i.id: f"{i.label} ({i.vintage})" if i.origin != "importé" else f"{i.label} (importé)"
        for i in catalogue.values()
        if registry.shown_at(i, level)
    }
    asked = st.session_state.indicator
    if asked and asked not in choices:
        # Kept as asked (the URL too): the page explains and offers alternatives instead of switching silently.
        known = catalogue.get(asked)
        choices[asked] = f"{known.label if known else asked} (indisponible {registry.LEVEL_WORDS[level]})"
    st.selectbox("Indicateur", ["", *choices], format_func=lambda k: choices.get(k, "Par défaut"), key="indicator")
    shown = catalogue.get(st.session_state.indicator or registry.default_indicator(catalogue, level) or "")
    if shown is not None and shown.years:
        years = list(shown.years)
        if st.session_state.year not in years:
            if st.session_state.year:
                st.session_state.url_warnings = [
                    *st.session_state.get("url_warnings", []),
                    f"Année {st.session_state.year} indisponible pour « {shown.label} » : {years[-1]} affichée "
                    f"(années : {', '.join(years)}).",
                ]
            st.session_state.year = years[-1]
        st.select_slider("Année", years, key="year")
        st.toggle("Évolution depuis une année antérieure", key="evolution")
        earlier = [y for y in years if y < st.session_state.year]
        if st.session_state.evolution and earlier:
            if st.session_state.from_year not in earlier:
                st.session_state.from_year = earlier[0]
            st.selectbox("Depuis", earlier, key="from_year")
            st.caption("Écart entre les deux années : hausse = meilleur accès.")
        elif st.session_state.evolution:
            st.caption("Pas d'année antérieure : choisir une année plus récente.")
    if shown is not None and shown.id == document_figures.DOCUMENTS_ID:
        figure_choices = document_figures.figure_choices(data.figures)
        if st.session_state.figure not in figure_choices:
            st.session_state.figure = document_figures.DEFAULT_FIGURE
        st.selectbox("Chiffre des documents", list(figure_choices), format_func=figure_choices.get, key="figure")
    with st.expander("Indicateurs : niveaux, années, sources"):
        st.markdown(registry.markdown(list(catalogue.values())))
    missing = [i for i in catalogue.values() if not i.installed]
    if missing:
        with st.expander(f"{len(missing)} indicateur(s) non installé(s)"):
            st.markdown("\n".join(f"- **{i.label}** : {i.install_hint}" for i in missing))
    overlays = {i.id: i.label for i in catalogue.values() if i.installed and i.kind == "categorical"}
    if st.session_state.overlay not in overlays:
        st.session_state.overlay = ""
    st.selectbox(
        "Surcouche (contours colorés)", ["", *overlays], format_func=lambda k: overlays.get(k, "Aucune"), key="overlay"
    )
    with st.expander("Classes et couleurs"):
        st.selectbox("Méthode", list(classify.METHODS), format_func=classify.METHODS.get, key="method")
        st.slider("Nombre de classes", classify.MIN_CLASSES, classify.MAX_CLASSES, key="classes")
        st.selectbox("Palette", list(classify.PALETTES), format_func=classify.PALETTES.get, key="palette")
        st.toggle("Mêmes classes pour toute la France (cartes comparables)", key="fixed_breaks")
    st.subheader("Filtres")
    st.selectbox("Thème", ["", *vocab.THEMES], format_func=lambda k: vocab.THEME_SHORT.get(k, "Tous"), key="theme")
    st.multiselect(
        "Statut des projets", list(vocab.STATUSES), format_func=vocab.STATUSES.get, key="statuses", placeholder="Tous"
    )
    st.date_input("État des projets au", max_value=dt.date.today(), format="DD/MM/YYYY", key="as_of")
    st.multiselect("Couches", list(LAYERS), format_func=LAYERS.get, key="layers")
    st.selectbox("Fond de carte", list(BASEMAPS), format_func=BASEMAPS.get, key="basemap")
    st.subheader("Lecture croisée")
    st.selectbox("Mettre en évidence", ["", *NEEDS], format_func=lambda k: NEEDS.get(k, "Rien"), key="need")
    if st.session_state.need in ("sous_seuil", "seuil_sans_projet", "projet_hors_besoin"):
        st.number_input("Seuil (par défaut : seuil usuel de l'indicateur, sinon valeur France)", key="threshold")
    with st.expander("Importer un indicateur"):
        st.file_uploader("Fichier CSV ou XLSX (codes INSEE et valeurs)", type=["csv", "txt", "xlsx"], key=upload_key())
        st.text_input("Nom de l'indicateur", key="import_name")
        st.text_input("Unité", key="import_unit")
        st.button(
            "Importer", key="import", on_click=import_and_forget, disabled=st.session_state.get(upload_key()) is None
        )
        outcome = st.session_state.get("import_outcome")
        if outcome:
            kind, text, table = outcome
            if kind == "error":
                st.error(text)
            else:
                st.text(text)
            if table is not None:
                st.download_button(
                    "Télécharger l'indicateur avec les noms (CSV)",
                    partial(to_csv_bytes, table, variant="utf8-bom"),  # made on click, not at every rerun
                    file_name="indicateur-importe.csv",
                )

try:
    state = MapState(
        territory=st.session_state.territory,
        level=st.session_state.level,
        indicator=st.session_state.indicator or None,
        method=st.session_state.method,
        classes=st.session_state.classes,
        palette=st.session_state.palette,
        overlay=st.session_state.overlay or None,
        theme=st.session_state.theme or None,
        statuses=tuple(st.session_state.statuses),
        layers=tuple(st.session_state.layers),
        fixed_breaks=st.session_state.fixed_breaks,
        basemap=st.session_state.basemap,
        need=st.session_state.need or None,
        threshold=st.session_state.get("threshold"),
        as_of=parse_as_of((st.session_state.as_of or dt.date.today()).isoformat()),
        year=st.session_state.year if shown is not None and shown.years else None,
        from_year=st.session_state.from_year
        if shown is not None
        and shown.years
        and st.session_state.evolution
        and st.session_state.from_year
        and st.session_state.from_year < st.session_state.year
        else None,
        figure=st.session_state.figure if shown is not None and shown.id == document_figures.DOCUMENTS_ID else None,
        place=st.session_state.get("place"),
    )
except ValueError as exc:
    st.error(f"Réglage invalide : {exc}")
    st.stop()
new_params = state.to_query_params()
if new_params != params:
    st.query_params.from_dict(new_params)
    st.session_state["carte_params"] = new_params


def switch_to(indicator: str, level: str) -> None:
    st.session_state.indicator, st.session_state.level = indicator, level


problem = registry.unavailable(catalogue, state.indicator, state.level) if state.indicator else None
if problem is not None:
    st.title("Carte")
    st.warning(f"{problem.message} {problem.hint}".strip())
    for i, alternative in enumerate(problem.alternatives):
        st.button(
            alternative.label,
            key=f"alternative_{i}",
            on_click=switch_to,
            args=(alternative.indicator, alternative.level),
        )
    st.stop()

extra_key = cnr_indicators.fingerprint(imported)
view = cached.or_stop(lambda: cached.view(state, extra_key, _extra=imported))

# Title and subtitle say what is shown (indicator, vintage, territory, level, filters), as on the exports.
# One container for what comes and goes above the map: the map keeps its place in the page, and a map frame
# whose place changes is rebuilt by the browser (choropleth sent and drawn again on a filter change).
with st.container():
    st.title(export_layout.default_title(view))
    subtitle = export_layout.filters_line(view)
    if subtitle:
        st.caption(subtitle)
    for message in st.session_state.get("url_warnings", []) + view.warnings:
        st.warning(message)

# The legends sit beside the map, never over it; the detail of a clicked territory goes under them.
left, right = st.columns([4, 1.25])
with left:
    # The base map's script stays the same when only the project filters change: streamlit-folium keeps the drawn
    # map and redraws the points it is sent apart; the choropleth's data is loaded by URL, never in this message.
    # Only a click on a territory is returned (pan and zoom do not rerun the page).
    parts = page_map(view.map, cached.payload_store())
    returned = st_folium(
        parts.base,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        feature_group_to_add=parts.groups,
        layer_control=parts.control,
    )
    # Notes (counting rules, dates of periods) under the map: above it they pushed the map below the fold.
    for note in view.notes:
        st.caption(note)
    st.caption(" ".join(view.boundaries))
with right:
    for spec in view.legends:
        st.html(f'<div class="cnrmap-page-legend" style="{LEGEND_BOX}">{legend_html(spec)}</div>')
    clicked = click_to_code(returned)
    if clicked:
        st.session_state.selected_code = clicked
    code = st.session_state.get("selected_code") or st.session_state.get("place")
    regions = dict(zip(ref.regions["code"], ref.regions["name"], strict=True))
    departments = dict(zip(ref.departments["code"], ref.departments["name"], strict=True))
    detail = territory_detail(code, view, departments, regions) if code else {}
    if detail:
        with st.container(border=True):
            st.markdown(detail_markdown(detail))
    else:
        st.caption(detail_markdown({}))

chosen = project_by_id(view.selection.dated_projects, st.query_params.get("focus"))
if chosen:
    st.info(f"Projet sélectionné : **{chosen['title']}** ({vocab.STATUSES[chosen['status']]}, {chosen['summary']})")

with st.expander("Exporter la carte et ses données"):
    size = st.radio(
        "Format de l'image", list(EXPORT_SIZES), format_func=EXPORT_SIZES.get, horizontal=True, key="export_size"
    )
    title = st.text_input("Titre", export_layout.default_title(view), key="export_title")
    if st.button("Préparer l'image", key="export_go"):
        try:
            with st.spinner("Dessin de l'image dans un navigateur sans écran…"):
                image = export_png.render_png(view, size=size, title=title, browser=cached.export_browser()).data
                st.session_state.export_image = (new_params, image)  # one image per session, of this view
        except DataError as exc:
            cached.show_error(exc)
    if st.session_state.get("export_image", (None,))[0] != new_params:
        st.session_state.pop("export_image", None)  # the image of another view: neither offered nor kept
    if "export_image" in st.session_state:
        png = st.session_state.export_image[1]
        st.download_button("Télécharger l'image (PNG)", png, "carte-cnrmap.png", "image/png")
    deck_help = (
        "Diapositives 16:9 modifiables du territoire affiché, avec ses filtres et sa date : carte, chiffres clés, "
        "projets, sources (une carte et des chiffres clés par département pour une région, par région pour la France)."
    )
    if st.button("Préparer la présentation (PowerPoint)", key="deck_go", help=deck_help):
        try:
            with st.spinner("Présentation du territoire : cartes dessinées dans un navigateur sans écran…"):
                st.session_state.export_deck = (state, cached.deck(state, extra_key, _extra=imported))
        except DataError as exc:
            cached.show_error(exc)
    if st.session_state.get("export_deck", (None,))[0] != state:
        st.session_state.pop("export_deck", None)  # the deck of another view: neither offered nor kept
    if "export_deck" in st.session_state:
        st.download_button(
            "Présentation (PowerPoint)",
            st.session_state.export_deck[1],
            f"cnrmap-{state.territory.replace(':', '-')}.pptx",
            PPTX,
            key="deck_download",
        )
    columns = st.columns(3)
    columns[0].download_button(
        "Territoires (CSV UTF-8)",
        cached.view_download(state, extra_key, imported, partial(export_data.territories_csv, variant="utf8-bom")),
        "cnr-territoires.csv",
        "text/csv",
    )
    columns[1].download_button(
        "Territoires (CSV tableur ;)",
        cached.view_download(state, extra_key, imported, partial(export_data.territories_csv, variant="semicolon")),
        "cnr-territoires-pv.csv",
        "text/csv",
    )
    columns[2].download_button(
        "Territoires (GeoJSON)",
        cached.view_download(state, extra_key, imported, export_data.territories_geojson),
        "cnr-territoires.geojson",
        "application/geo+json",
    )

# A toggle, not an expander: an expander's content is sent to the browser even closed (35,000 rows for France).
if st.toggle(f"Afficher le tableau des {len(view.table)} territoires", key="show_table"):
    st.dataframe(export_data.territories_frame(view), hide_index=True)

# The session keeps this run's globals while it lives (its callbacks and format functions refer to them), and
# 2 minutes after its tab is closed: the view (up to 15 MB for France by commune) stays in the shared cache only,
# and so does the map given to streamlit-folium (a copy that shares the view's layer data).
del view, parts
