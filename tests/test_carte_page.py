"""The Carte page under AppTest: controls change the map, the URL holds the state, errors are French."""

from __future__ import annotations

import pytest
from pages import decoded, legends, map_args, map_script, open_page
from streamlit.testing.v1 import AppTest

from cnrmap.config import get_settings
from cnrmap.leaflet.page import PAYLOAD_URL

APP = str(get_settings().app_path)


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def carte(**params: str) -> AppTest:
    return open_page(timeout=90, **params)


def test_default_view_is_gp_density_of_france():
    at = carte()
    assert at.title[0].value == "Densité de médecins généralistes libéraux (2024) — France, par département"
    script = map_script(at)
    assert "Densité de médecins généralistes libéraux" in script
    assert "Arles : renforcer la permanence des soins ambulatoires" in script
    # The legends are beside the map, not in its script; the map is offline by default, with insets and names.
    assert "Quantiles" in legends(at) and "Quantiles" not in script
    assert "Natural Earth" in script and "cartocdn" not in script
    assert "Guadeloupe" in script and "Paris et petite couronne" in script and "Marseille" in script


def test_changing_the_indicator_changes_the_map():
    at = carte()
    at.selectbox(key="indicator").select("apl_mg_2024").run()
    assert not at.exception
    assert at.title[0].value.startswith("Accessibilité potentielle localisée (APL)")
    assert "consultations par habitant et par an" in map_script(at)
    assert at.query_params["indicator"] == "apl_mg_2024"


def test_changing_the_territory_fits_it_and_updates_the_url():
    at = carte()
    at.selectbox(key="territory").select("departement:83").run()
    assert at.title[0].value.endswith("Var (83), par département")
    assert at.query_params["territory"] == "departement:83"
    assert not at.dataframe  # the table is sent only on request
    at.toggle(key="show_table").set_value(True).run()
    assert at.toggle(key="show_table").label == "Afficher le tableau des 1 territoires"
    assert len(at.dataframe[0].value) == 1


def test_place_search_sends_only_the_matches_and_opens_the_place():
    at = carte()
    at.text_input(key="search_text").input("Bouches du rhone").run()  # accents and hyphens do not matter
    assert at.selectbox(key="search").options == ["Bouches-du-Rhône (13)"]
    at.selectbox(key="search").select("Bouches-du-Rhône (13)").run()
    assert at.query_params["territory"] == "departement:13"
    assert at.title[0].value.endswith("Bouches-du-Rhône (13), par département")
    at.text_input(key="search_text").input("xyzzy introuvable").run()
    assert any("Aucun lieu ne correspond" in c.value for c in at.caption)


def test_status_filter_applies_to_markers():
    at = carte(territory="departement:83")
    before = map_script(at)
    assert "Draguignan : promouvoir et articuler" in before  # en cours
    at.multiselect(key="statuses").set_value(["realise"]).run()
    after = map_script(at)
    assert "Draguignan : promouvoir et articuler" not in after
    assert "Toulon : renforcer les parcours de soins" in after  # réalisé


def test_a_filter_change_sends_the_points_and_keeps_the_drawn_map():
    """streamlit-folium keeps a drawn map whose script is unchanged: a status or theme filter changes only the
    point groups it sends beside it (and the legends), never the base map nor its linked choropleth."""
    at = carte(territory="FR", level="departement")
    before = map_args(at)
    legend_before = legends(at)
    at.multiselect(key="statuses").set_value(["realise"]).run()
    at.selectbox(key="theme").select("acces_medecin").run()
    after = map_args(at)
    assert after["script"] == before["script"] and after["js_links"] == before["js_links"]
    assert after["key"] == before["key"]  # same component: not rebuilt in the browser
    assert after["feature_group"] != before["feature_group"]
    # The layer control lists the choropleth of the base map and the point groups sent beside it.
    control = decoded(after["layer_control"])
    assert '"Projets du CNR santé" : feature_group_feature_group_1' in control
    assert 'Densité de médecins généralistes libéraux" : compact_choropleth_div_' in control
    assert legends(at) != legend_before and "réalisé" in legends(at)
    # The choropleth is loaded by URL with Leaflet, not sent in the message.
    assert any(url.startswith(PAYLOAD_URL) for url in after["js_links"])
    assert "cnrmapDecode(enc)" in after["script"] and 'var enc = window.cnrmapData["' in after["script"]


def test_theme_filter_changes_the_proposals_count_layer():
    at = carte(indicator="propositions")
    all_themes = at.title[0].value
    at.selectbox(key="theme").select("prevention").run()
    assert at.title[0].value != all_themes and "Prévention" in at.title[0].value


def test_url_reopens_the_same_view():
    at = carte(territory="region:75", indicator="propositions", method="jenks", classes="4", basemap="0")
    assert at.title[0].value.startswith("Nombre de propositions du CNR santé")
    assert at.title[0].value.endswith("— Nouvelle-Aquitaine, par département")
    assert at.selectbox(key="method").value == "jenks"
    assert at.slider(key="classes").value == 4
    assert "Seuils naturels (Jenks)" in legends(at)
    assert at.selectbox(key="basemap").value == "aucun"  # an old link's basemap=0


def test_bad_url_values_fall_back_with_a_french_warning():
    at = carte(method="magie", classes="99")
    messages = " ".join(w.value for w in at.warning)
    assert "Paramètre « method » ignoré" in messages and "Paramètre « classes » ignoré" in messages


def test_commune_level_without_boundaries_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))
    at = carte(territory="departement:13", level="commune")
    text = " ".join(e.value for e in at.error) + " ".join(i.value for i in at.info)
    assert "cnrmap fetch" in text


def test_detail_panel_invites_a_click():
    at = carte()
    assert any("Cliquez sur un territoire" in c.value for c in at.caption)


def test_export_panel_offers_image_and_data_downloads():
    at = carte(territory="departement:13")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Territoires (CSV UTF-8)", "Territoires (CSV tableur ;)", "Territoires (GeoJSON)"} <= set(labels)
    assert at.text_input(key="export_title").value.startswith("Densité de médecins généralistes")


@pytest.mark.browser
def test_export_button_prepares_a_png():
    at = carte(territory="departement:13", basemap="0")
    at.button(key="export_go").click().run()
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger l'image (PNG)" in labels
    # Another view: the image of the previous one is neither offered nor kept in the session.
    at.selectbox(key="territory").select("departement:83").run()
    assert "Télécharger l'image (PNG)" not in [b.proto.label for b in at.get("download_button")]
    assert "export_image" not in at.session_state


def test_export_panel_offers_a_deck_and_says_when_chromium_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CHROMIUM", str(tmp_path / "pas-de-chromium"))
    at = carte(territory="departement:04")
    assert at.button(key="deck_go").proto.label == "Préparer la présentation (PowerPoint)"
    assert "Présentation (PowerPoint)" not in [b.proto.label for b in at.get("download_button")]
    at.button(key="deck_go").click().run()
    assert not at.exception
    assert any("Navigateur introuvable" in e.value for e in at.error)
    assert any("apt-get install chromium" in i.value for i in at.info)


@pytest.mark.browser
def test_deck_button_offers_the_powerpoint_download():
    at = carte(territory="departement:04")
    at.button(key="deck_go").click().run()
    assert not at.exception and not at.error
    (button,) = [b for b in at.get("download_button") if b.proto.label == "Présentation (PowerPoint)"]
    assert button.proto.url.endswith(".pptx")  # served with the PowerPoint type
    # Changing the view withdraws the deck of the previous one.
    at.selectbox(key="territory").select("departement:05").run()
    assert "Présentation (PowerPoint)" not in [b.proto.label for b in at.get("download_button")]


def test_imported_indicator_becomes_a_layer(monkeypatch, mirror_dir):
    monkeypatch.setenv("CNRMAP_MIRROR", str(mirror_dir))
    at = carte()
    content = "Département;Taux\n4;12,5\n13;7,25\n2A;3\n999;1\n".encode("latin-1")
    at.file_uploader(key="upload").upload("taux.csv", content, "text/csv").run()
    at.text_input(key="import_name").input("Taux local").run()
    at.text_input(key="import_unit").input("%").run()
    at.button(key="import").click().run()
    assert not at.exception
    report = " ".join(t.value for t in at.text)
    assert "Lignes lues : 4" in report and "'999'" in report
    assert at.title[0].value.startswith("Taux local") and "France, par département" in at.title[0].value
    assert "Taux local" in map_script(at)
    assert_upload_forgotten(at)


def test_unusable_upload_gives_a_french_report(monkeypatch, mirror_dir):
    monkeypatch.setenv("CNRMAP_MIRROR", str(mirror_dir))
    at = carte()
    at.file_uploader(key="upload").upload("vide.csv", b"", "text/csv").run()
    at.button(key="import").click().run()
    assert not at.exception
    assert at.error and "vide" in at.error[0].value.lower()
    assert at.title[0].value.startswith("Densité de médecins généralistes")
    assert_upload_forgotten(at)


def assert_upload_forgotten(at: AppTest) -> None:
    """Accepted or refused, the file is no longer in the session: only the indicator or the message stay."""
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    at.run()  # the next rerun, when Streamlit drops the state of the uploader that is no longer shown
    state = at.session_state
    held = [key for key in state if isinstance(state[key], UploadedFile | list) and _has_upload(state[key])]
    assert held == []
    (uploader,) = at.file_uploader
    assert uploader.key == "upload_1" and uploader.value is None


def _has_upload(value) -> bool:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    return isinstance(value, UploadedFile) or any(isinstance(v, UploadedFile) for v in value)


def test_an_empty_status_selection_shows_every_project():
    at = carte(territory="departement:83")
    at.multiselect(key="statuses").set_value([]).run()
    script = map_script(at)
    assert "Draguignan : promouvoir et articuler" in script and "Toulon : renforcer les parcours de soins" in script
    assert "statuses" not in at.query_params


def test_an_indicator_missing_at_a_level_is_explained_not_replaced():
    at = carte(territory="region:75", level="commune", indicator="densite_mg")
    (warning,) = [w.value for w in at.warning if "n'existe que" in w.value]
    assert "« Densité de médecins généralistes libéraux » n'existe que par département" in warning
    assert at.query_params["indicator"] == "densite_mg" and at.query_params["level"] == "commune"
    assert not at.get("component_instance")  # no substitute map
    labels = [b.label for b in at.button]
    assert "Afficher « Densité de médecins généralistes libéraux » par département" in labels
    at.button(key="alternative_0").click().run()
    assert not at.exception
    assert at.query_params["level"] == "departement" and at.query_params["indicator"] == "densite_mg"
    assert at.title[0].value.startswith("Densité de médecins généralistes libéraux")
