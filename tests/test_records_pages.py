"""Pages with recorded data (AppTest): the Projets form and its checks, read-only by default, the Données
page, the map's date in the URL and the title."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from cnrmap.config import get_settings
from cnrmap.records import history

APP = str(get_settings().root / "app.py")


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def page(name: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    if name:
        at.switch_page(name).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def fill(at: AppTest, day: dt.date, status: str, source: str, name: str | None) -> AppTest:
    at.selectbox(key="history_project").select("P-04-01").run()
    at.date_input(key="record_date").set_value(day)
    at.selectbox(key="record_status").select(status)
    at.text_input(key="record_source").input(source)
    if name is not None:
        at.text_input(key="record_by").input(name)
    at.button(key="record_submit").click().run()
    assert not at.exception, at.exception
    return at


def history_frame(at: AppTest):
    return next(d.value for d in at.dataframe if "Depuis le" in d.value.columns)


def recorded(settings) -> int:
    return len(history.recorded_entries(settings))


def test_projets_is_read_only_unless_editing_is_enabled():
    at = page("views/3_Projets.py")
    assert "désactivé sur ce déploiement" in texts(at)
    assert not [b for b in at.button if b.key == "record_submit"]
    assert list(history_frame(at)["Statut"]) == ["Non renseigné"]


def test_the_form_refuses_what_it_must_and_records_the_rest(records_settings):
    at = page("views/3_Projets.py")
    future = dt.date.today() + dt.timedelta(days=3)
    fill(at, future, "abandonne", "Comité de suivi", "Alice")
    assert "dans le futur" in texts(at) and recorded(records_settings) == 0
    fill(at, dt.date(2024, 6, 1), "abandonne", "   ", "Alice")
    assert "source obligatoire" in texts(at) and recorded(records_settings) == 0
    fill(at, dt.date(2024, 6, 1), "abandonne", "Comité de suivi", "")
    assert "votre nom est obligatoire" in texts(at) and recorded(records_settings) == 0

    fill(at, dt.date(2024, 6, 1), "abandonne", "Comité de suivi du 1er juin 2024", "Alice")
    assert "Statut n° 1 enregistré : P-04-01 abandonné à partir du 1er juin 2024" in texts(at)
    assert recorded(records_settings) == 1
    # Shown at once: in the history, in the table and in the status line of the project.
    entries = history_frame(at)
    assert list(entries["Statut"]) == ["Non renseigné", "Abandonné"]
    assert entries["Enregistré par"].iloc[-1] == "Alice"
    assert "**Abandonné** (1er juin 2024)" in texts(at)
    table = next(d.value for d in at.dataframe if "Identifiant" in d.value.columns)
    assert table.set_index("Identifiant").loc["P-04-01", "Statut"] == "Abandonné"
    # The same project before that date: still « non renseigné ».
    at.date_input(key="as_of").set_value(dt.date(2024, 5, 31)).run()
    table = next(d.value for d in at.dataframe if "Identifiant" in d.value.columns)
    assert table.set_index("Identifiant").loc["P-04-01", "Statut"] == "Non renseigné"


def test_home_counts_at_today_with_recorded_statuses(records_settings):
    at = page()
    assert {m.label: m.value for m in at.metric}["dont réalisés"] == "8"
    update = history.StatusUpdate("P-04-01", "2024-06-01", "realise", "CR", recorded_by="Bob")
    history.record_status(records_settings, update, {"P-04-01"})
    at.run()  # the same session sees it at its next rerun
    assert {m.label: m.value for m in at.metric}["dont réalisés"] == "9"


def test_donnees_page_offers_templates_and_stays_read_only():
    at = page("views/5_Donnees.py")
    ids = [b.proto.id for b in at.get("download_button")]
    for key in ("template_csv_projects", "template_xlsx_meetings", "template_csv_status_history", "guide", "backup"):
        assert any(i.endswith(f"-{key}") for i in ids), (key, ids)
    assert "lecture seule" in texts(at)
    assert "Aucun fichier importé" in texts(at)


def test_the_map_states_its_date_from_the_url():
    at = page("views/1_Carte.py", territory="departement:83", as_of="2023-11-08", basemap="0")
    assert "État au 8 novembre 2023" in texts(at)
    assert at.date_input(key="as_of").value == dt.date(2023, 11, 8)
    at = page("views/1_Carte.py", territory="departement:13", as_of="2023-11-08", basemap="0")
    assert "ne compte" in texts(at) and "31 décembre 2023" in texts(at)  # the « sur l'année 2023 » convention
