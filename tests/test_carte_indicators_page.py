"""The Carte and Sources pages under AppTest: APL by year and its evolution, the documents' figures layer, the
patients layer offline, the panel block « Ce que disent les documents », the registry."""

from __future__ import annotations

import pytest
from pages import legends, open_page
from streamlit.testing.v1 import AppTest

from cnrmap.config import get_settings
from cnrmap.sources.fetch import fetch

APP = str(get_settings().root / "app.py")


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")
page = open_page


def panel(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### "))


def test_patients_layer_offline_says_where_its_figures_come_from(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))  # nothing fetched: no CNAM file
    at = page(indicator="patients_sans_mt", territory="region:75")
    assert at.title[0].value == (
        "Part des patients sans médecin traitant (chiffres cités par les documents) (années non précisées) — "
        "Nouvelle-Aquitaine, par département"
    )
    assert "pas de source nationale installée" in legends(at) and "Non cité par les documents" in legends(at)
    assert any("non cité par les documents" in w.value for w in at.warning)


def test_documents_layer_shows_one_figure_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))
    at = page(indicator="documents", territory="region:75")
    assert at.selectbox(key="figure").value == "patients_sans_mt_part"
    assert "Part des patients sans médecin traitant — chiffres cités par les documents" in legends(at)
    at.selectbox(key="figure").select("densite_medecins_generalistes").run()
    assert not at.exception
    assert at.query_params["figure"] == "densite_medecins_generalistes"
    assert at.title[0].value.startswith("Densité de médecins généralistes — chiffres cités par les documents")
    assert "pour 100 000 habitants" in legends(at) and "multiplié(s) par 10" in legends(at)
    assert "Communautés professionnelles" in str(at.selectbox(key="figure").options)


def test_panel_block_what_the_documents_say(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))
    at = page(state={"selected_code": "24"}, territory="region:75", indicator="patients_sans_mt")
    text = panel(at)
    assert text.startswith("### Dordogne (24)")
    assert "**Ce que disent les documents**" in text
    assert "**7,5 %** — population sans médecin traitant *(Dordogne, année non précisée)*" in text
    assert "Territoires du département" in text and "Arrondissement de Bergerac" in text
    assert "France (comparaison citée)" in text and "**11 %**" in text
    assert "Synthèse des ateliers CNR santé — ARS Nouvelle-Aquitaine, 2022 (l. 4389" in text


def test_official_value_with_the_documents_figure_beside_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))
    at = page(state={"selected_code": "40"}, territory="region:75")  # GP density 2024 (CNAM) by department
    text = panel(at)
    assert "À côté : Chiffre cité par un document (F-003-0180" in text
    assert "119 pour 100 000 habitants" in text and "années différentes : carte 2024, document 2022" in text


def test_registry_is_shown_on_the_carte_and_the_sources_page(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))
    at = page()
    box = next(m.value for m in at.markdown if "(`apl_mg`)" in m.value)
    apl = next(line for line in box.splitlines() if "(`apl_mg`)" in line)
    assert "par département, par commune ; 2015, 2016" in apl and "non installé — Non installé" in apl
    assert "apl_mg_communes" in apl
    sources = page("views/4_Sources.py")
    registry = next(d.value for d in sources.dataframe if "Identifiant" in d.value.columns)
    assert registry.set_index("Identifiant").loc["apl_mg", "Années"].startswith("2015, 2016")
    text = " ".join(m.value for m in sources.markdown)
    assert "source en usage = chiffres cités par les synthèses régionales" in text
    figures = next(d.value for d in sources.dataframe if "Citation" in d.value.columns)
    assert len(figures) == 489 and "Synthèse des ateliers CNR santé" in figures["Source"].iloc[100]
    gaps = next(d.value for d in sources.dataframe if "Communes sans valeur" in d.value.columns)
    assert "Corse (2A, 2B)" in set(gaps["Communes sans valeur"])


@pytest.fixture(scope="module")
def dordogne_cache(tmp_path_factory, mirror_dir):
    folder = tmp_path_factory.mktemp("dordogne")
    settings = get_settings(cache_dir=folder, mirror=str(mirror_dir))
    report = fetch(settings, only=["apl_mg_communes", "cog", "population", "zonage_mg", "communes"],
                   departments=["24"], progress=False)  # fmt: skip
    assert report.ok, report.summary()
    return folder


def test_apl_by_commune_year_and_evolution(dordogne_cache, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(dordogne_cache))
    at = page(territory="departement:24", level="commune", indicator="apl_mg")
    assert at.select_slider(key="year").value == "2023"
    assert at.title[0].value.startswith("Accessibilité potentielle localisée (APL) aux médecins généralistes, 2023")
    at.select_slider(key="year").set_value("2019").run()
    assert not at.exception
    assert at.query_params["year"] == "2019" and ", 2019 —" in at.title[0].value
    assert "Seuil usuel de sous-densité : APL &lt; 2,5" in legends(at)
    at.toggle(key="evolution").set_value(True).run()
    assert at.query_params["from_year"] == "2015"
    assert at.title[0].value.startswith("Évolution de l'APL aux médecins généralistes, 2015 → 2019")
    assert "hausse = meilleur accès (bleu)" in legends(at)
    at.selectbox(key="need").select("sous_seuil").run()  # on a change, the threshold is 0: the declines
    captions = " ".join(c.value for c in at.caption)
    assert "Seuil usuel de l'indicateur : 0 consultations" in captions and "Besoin = valeur sous 0" in captions


def test_apl_link_with_an_unpublished_year_falls_back_and_says_so(dordogne_cache, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(dordogne_cache))
    at = page(territory="departement:24", level="commune", indicator="apl_mg", year="2020")
    assert at.select_slider(key="year").value == "2023"
    assert any("Année 2020 indisponible" in w.value for w in at.warning)


def test_threshold_highlight_keeps_communes_under_2_5(dordogne_cache, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(dordogne_cache))
    at = page(territory="departement:24", level="commune", indicator="apl_mg", year="2023", need="sous_seuil")
    captions = " ".join(c.value for c in at.caption)
    assert "Seuil usuel de l'indicateur : 2,5" in captions and "communes en besoin" in captions


def test_commune_panel_in_dordogne_shows_its_arrondissement(dordogne_cache, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(dordogne_cache))
    at = page(state={"selected_code": "24037"}, territory="departement:24", level="commune", indicator="apl_mg")
    text = panel(at)
    assert text.startswith("### Bergerac (24037)")
    assert "Son arrondissement : Arrondissement de Bergerac (241)" in text
    assert "« 7,49% de la population de l’arrondissement de Bergerac n’a pas de médecin traitant »" in text
