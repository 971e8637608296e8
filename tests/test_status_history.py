"""A project's status at a date: before, on and after an entry, two entries the same day, dates of periods."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
from cnrmap.curated.definitions import as_of_phrase, statuses_as_of, summarize
from cnrmap.curated.history import (
    HISTORY_COLUMNS,
    UNDATED_LABEL,
    DocumentDate,
    combine,
    document_entries,
    period_end,
    period_notes,
    project_history,
)
from cnrmap.curated.load import load_cnr_data

try:
    from tests import map_fixtures
except ImportError:  # pytest's pythonpath puts tests/ itself on sys.path
    import map_fixtures


def projects(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Projects (id, status, status_date, status_source)."""
    frame = pd.DataFrame(rows, columns=["id", "status", "status_date", "status_source"]).astype("string")
    return frame.assign(title="T", department_code="13")


def entry(pid: str, day: str, status: str, order: int, source: str = "comité") -> dict:
    return {"project_id": pid, "date": day, "date_text": day, "date_label": day, "status": status, "source": source,
            "comment": "", "recorded_by": "x", "recorded_at": "", "origin": "Formulaire", "order": order}  # fmt: skip


def history(base: pd.DataFrame, *entries: dict) -> pd.DataFrame:
    return combine(document_entries(base), pd.DataFrame(list(entries), columns=HISTORY_COLUMNS))


def status_on(frame: pd.DataFrame, hist: pd.DataFrame, day: str, pid: str = "A") -> str:
    return statuses_as_of(frame, hist, day).set_index("id").loc[pid, "status"]


BASE = projects(("A", "en_cours", "2023-11-08", "002_2c4c869459a1ff39.txt:146"), ("B", "non_renseigne", "", ""))


def test_before_on_and_after_an_entry():
    hist = history(BASE, entry("A", "2024-03-01", "realise", 1))
    assert status_on(BASE, hist, "2023-11-07") == "non_renseigne"  # before the document's date
    assert status_on(BASE, hist, "2023-11-08") == "en_cours"  # on it
    assert status_on(BASE, hist, "2024-02-29") == "en_cours"
    assert status_on(BASE, hist, "2024-03-01") == "realise"  # on the recorded entry
    assert status_on(BASE, hist, "2025-01-01") == "realise"  # after
    after = statuses_as_of(BASE, hist, dt.date(2025, 1, 1)).set_index("id")
    assert after.loc["A", "status_date"] == "2024-03-01"
    assert after.loc["A", "status_source"] == "comité"
    assert after.loc["A", "status_origin"] == "Formulaire"
    before = statuses_as_of(BASE, hist, "2023-01-01").set_index("id")
    assert (before.loc["A", "status_date"], before.loc["A", "status_source"]) == ("", "")


def test_two_entries_the_same_day_the_last_recorded_wins():
    hist = history(BASE, entry("A", "2024-03-01", "realise", 7), entry("A", "2024-03-01", "abandonne", 9))
    assert status_on(BASE, hist, "2024-03-01") == "abandonne"
    # Order of rows in the frame does not matter: the recording order does.
    shuffled = hist.iloc[::-1].reset_index(drop=True)
    assert status_on(BASE, shuffled, "2024-03-01") == "abandonne"
    # A recorded entry the same day as the document's wins over the document.
    same_day = history(BASE, entry("A", "2023-11-08", "realise", 1))
    assert status_on(BASE, same_day, "2023-11-08") == "realise"


def test_projects_without_status_have_an_undated_non_renseigne_entry():
    hist = history(BASE, entry("B", "2024-05-02", "abandonne", 1))
    first = project_history(hist, "B").iloc[0]
    assert (first["date"], first["status"]) == ("", "non_renseigne")
    assert status_on(BASE, hist, "2022-10-01", "B") == "non_renseigne"
    assert status_on(BASE, hist, "2024-05-02", "B") == "abandonne"
    assert list(project_history(hist, "B")["status"]) == ["non_renseigne", "abandonne"]


def test_dates_of_periods_count_from_their_last_day():
    assert period_end("2023") == "2023-12-31"
    assert period_end("2024-02") == "2024-02-29"
    assert period_end("2023-11-08") == "2023-11-08"
    assert period_end("") == ""
    kit = {"001_b025d499e17d2ded.txt": DocumentDate("2023", "sur l'année 2023")}
    base = projects(("C", "realise", "", "001_b025d499e17d2ded.txt:36-40"), ("D", "en_cours", "", "note interne"))
    hist = document_entries(base, kit)
    c = hist.set_index("project_id").loc["C"]
    assert (c["date"], c["date_text"], c["date_label"]) == ("2023-12-31", "2023", "sur l'année 2023")
    assert status_on(base, hist, "2023-12-30", "C") == "non_renseigne"
    assert status_on(base, hist, "2023-12-31", "C") == "realise"
    shown = statuses_as_of(base, hist, "2024-01-01").set_index("id")
    assert (shown.loc["C", "status_date"], shown.loc["C", "status_date_label"]) == ("2023", "sur l'année 2023")
    # A status whose document prints no date either is undated: it applies from the start, and says so.
    d = hist.set_index("project_id").loc["D"]
    assert (d["date"], d["date_label"]) == ("", UNDATED_LABEL)
    assert status_on(base, hist, "2022-10-01", "D") == "en_cours"
    notes = period_notes(hist, ["C"], "2023-11-08")
    assert notes == [
        "1 statut daté « sur l'année 2023 » ne compte qu'à partir du 31 décembre 2023 (fin de la période) : avant, "
        "le projet est « non renseigné »."
    ]
    assert "compté à partir du 31 décembre 2023" in period_notes(hist, ["C"], "2024-01-01")[0]


def test_curated_statuses_are_the_first_entries_dated_as_the_press_kits_date_them():
    data = load_cnr_data(get_settings())
    by_id = data.history.set_index("project_id")
    assert len(data.history) == 41
    assert (by_id.loc["P-83-01", "date"], by_id.loc["P-83-01", "date_label"]) == ("2023-11-08", "8 novembre 2023")
    assert (by_id.loc["P-13-01", "date"], by_id.loc["P-13-01", "date_label"]) == ("2023-12-31", "sur l'année 2023")
    assert by_id.loc["P-04-01", "date"] == "" and by_id.loc["P-04-01", "status"] == "non_renseigne"

    def counts(day: str) -> dict[str, int]:
        return summarize(data.projects_as_of(day), data.proposals, data.meetings).by_status

    assert counts("2023-11-07") == {"realise": 0, "en_cours": 0, "abandonne": 0, "non_renseigne": 41}
    assert counts("2023-11-08") == {"realise": 4, "en_cours": 3, "abandonne": 0, "non_renseigne": 34}  # Var
    assert counts("2024-01-01") == {"realise": 8, "en_cours": 5, "abandonne": 0, "non_renseigne": 28}  # + BdR
    # The curated file itself is what the documents say, untouched.
    assert data.projects.set_index("id").loc["P-13-01", "status_date"] == ""


def test_the_map_selection_reads_statuses_at_the_state_date():
    from cnrmap.carte.selection import select

    data = map_fixtures.cnr_data()
    early = select(MapState(as_of="2023-01-01"), data, map_fixtures.departments())
    late = select(MapState(as_of="2023-07-01"), data, map_fixtures.departments())
    # P-13-01 is « réalisé » from June 2023 (a month: from 30 June); P-13-02 has no date (applies from the start).
    assert early.projects.set_index("id").loc["P-13-01", "status"] == "non_renseigne"
    assert late.projects.set_index("id").loc["P-13-01", "status"] == "realise"
    assert early.projects.set_index("id").loc["P-13-02", "status"] == "en_cours"
    only_done = select(MapState(as_of="2023-07-01", statuses=("realise",)), data, map_fixtures.departments())
    assert list(only_done.projects["id"]) == ["P-13-01"]
    view = map_fixtures.compose(MapState(territory="departement:13", as_of="2023-07-01"), _indicator())
    assert view.legends[-1].title == "État au 1er juillet 2023"
    assert any("juin 2023" in note for note in view.notes)


def _indicator():
    from cnrmap.indicators.spec import IndicatorData

    values = pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [1.0, 2.0, 3.0, 4.0]})
    return IndicatorData("x", "Indicateur", "numeric", "departement", values, france_values=values)


def test_as_of_in_the_url_and_its_words():
    state, warnings = MapState.from_query_params({"as_of": "2023-11-08"})
    assert state.as_of_date == dt.date(2023, 11, 8) and not warnings
    assert state.to_query_params()["as_of"] == "2023-11-08"
    assert "as_of" not in MapState().to_query_params()
    assert MapState().as_of_date == dt.date.today()
    assert as_of_phrase(dt.date(2023, 11, 8)) == "État au 8 novembre 2023"
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    state, warnings = MapState.from_query_params({"as_of": future})
    assert state.as_of is None and "dans le futur" in warnings[0]
    with pytest.raises(ValueError, match="AAAA-MM-JJ"):
        MapState(as_of="8/11/2023")
