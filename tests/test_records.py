"""The records database: migrations, status updates checked, two writers at once, imports all or nothing,
every template imported with good and bad rows, the export read back, the command line."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import threading

import pandas as pd
import pytest
from openpyxl import load_workbook

from cnrmap import cli
from cnrmap.config import Settings, get_settings
from cnrmap.curated.definitions import select_projects, summarize
from cnrmap.errors import DataError
from cnrmap.records import db, history, imports, templates
from cnrmap.records.columns import KINDS
from cnrmap.records.data import export_all, load_data

TODAY = dt.date.today().isoformat()


def count(settings: Settings, table: str) -> int:
    from sqlalchemy import text

    with db.engine(settings).connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_migrations_build_exactly_the_declared_tables(records_settings):
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from cnrmap.records.tables import metadata

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == db.HEAD
    engine = db.engine(records_settings)
    with engine.connect() as connection:
        assert db.current_version(connection) == db.HEAD
        context = MigrationContext.configure(connection, opts={"version_table": db.VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    db.upgrade(engine)  # already at head: nothing to do


def test_nothing_is_read_without_a_database(records_settings):
    assert not db.exists(records_settings)
    assert db.revision(records_settings) == "vide"
    assert len(load_data(records_settings).projects) == 41


def test_a_status_update_is_checked_then_recorded(records_settings):
    known = {"P-04-01"}
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    bad = history.StatusUpdate("P-04-99", future, "termine", " ", "x" * 2001)
    with pytest.raises(DataError) as error:
        history.record_status(records_settings, bad, known, author_required=True)
    text = error.value.render()
    for expected in ("projet 'P-04-99' inconnu", "dans le futur", "statut 'termine' inconnu", "source obligatoire",
                     "votre nom est obligatoire", "commentaire trop long", "rien n'a été enregistré"):  # fmt: skip
        assert expected in text, text
    assert "colonne « Date »" in text
    early = history.StatusUpdate("P-04-01", "2021-12-31", "realise", "doc")
    assert "antérieure au lancement" in str(history.check_update(early, known)[0])
    assert not db.exists(records_settings) or count(records_settings, "cnr_status_entries") == 0

    number = history.record_status(records_settings, history.StatusUpdate("P-04-01", TODAY, "abandonne", "CR"), known)
    assert number == 1
    data = load_data(records_settings)
    now = data.projects_as_of(TODAY).set_index("id").loc["P-04-01"]
    assert (now["status"], now["status_source"], now["status_origin"]) == ("abandonne", "CR", "Formulaire")
    assert db.revision(records_settings) == "1:1;0:None"


def _write_many(url: str, who: str, n: int) -> None:
    settings = get_settings()
    settings = Settings(**{**settings.__dict__, "database_url": url})
    for i in range(n):
        update = history.StatusUpdate("P-04-01", "2024-01-01", "en_cours", f"{who} {i}", recorded_by=who)
        history.record_status(settings, update, {"P-04-01"})


def test_two_writers_at_once_are_both_kept(records_settings):
    db.engine(records_settings)  # schema created once, before the writers start
    url, n = records_settings.database_url, 40
    threads = [threading.Thread(target=_write_many, args=(url, f"session {k}", n)) for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Two processes too (two app servers, or the app and the command line), each with its own engine.
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_write_many, args=(url, f"process {k}", n)) for k in (1, 2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    entries = history.recorded_entries(records_settings)
    assert len(entries) == 4 * n
    assert entries["recorded_by"].value_counts().to_dict() == {
        "session 1": n, "session 2": n, "process 1": n, "process 2": n}  # fmt: skip


# --- imports -------------------------------------------------------------------------------------------


def filled(kind_key: str, good: int = 2, xlsx: bool = False, bad: dict | None = None) -> tuple[bytes, str]:
    """The template of a kind with its example row turned into ``good`` rows (and one ``bad`` row if given)."""
    kind = KINDS[kind_key]
    rows = []
    for i in range(good):
        row = dict(kind.example)
        key = "project_id" if kind_key == "status_history" else "id"
        row[key] = "P-04-0" + str(i + 1) if kind_key == "status_history" else row[key].replace("EXEMPLE-", "") + f"{i}"
        rows.append(row)
    if bad:
        rows.append({**rows[0], **bad})
    columns = kind.schema.column_names
    if xlsx:
        book = load_workbook(io.BytesIO(templates.template_xlsx(kind)))
        sheet = book.worksheets[0]
        for r, row in enumerate(rows, start=2):  # typed in from row 2, over the example (cells are preformatted)
            for c, column in enumerate(columns, start=1):
                sheet.cell(row=r, column=c, value=row[column])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), f"{kind.stem}.xlsx"
    lines = templates.template_csv(kind).decode("utf-8-sig").splitlines()[:1]
    frame = pd.DataFrame(rows, columns=columns)
    body = frame.to_csv(index=False, header=False, lineterminator="\n")
    return (lines[0] + "\n" + body).encode("utf-8"), f"{kind.stem}.csv"


BAD_ROWS = {
    "projects": ({"id": "P-29-99", "theme": "sante", "lat": "4.05", "status_source": ""},
                 ["colonne « Thème » : 'sante' n'est pas une valeur permise", "colonne « Latitude »",
                  "colonne « Source du statut » : le statut 'en_cours' doit citer sa source"]),
    "proposals": ({"id": "PR-53-99", "scope_level": "departement", "territory_code": "13"},
                  ["colonne « Code territoire » : le département '13' n'est pas dans la région indiquée"]),
    "meetings": ({"id": "M-53-99", "department_code": "13", "date": "2099-01-01"},
                 ["colonne « Code département » : le département '13' n'est pas dans la région '53'",
                  "colonne « Date » : date '2099-01-01' dans le futur"]),
    "status_history": ({"project_id": "P-99-01", "status": "fini", "source": ""},
                       ["colonne « Identifiant du projet » : projet 'P-99-01' inconnu",
                        "colonne « Statut » : statut 'fini' inconnu", "colonne « Source » : source obligatoire"]),
}  # fmt: skip
TABLES = {"projects": "cnr_projects", "proposals": "cnr_proposals", "meetings": "cnr_meetings",
          "status_history": "cnr_status_entries"}  # fmt: skip


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
@pytest.mark.parametrize("kind_key", list(KINDS))
def test_each_template_imports_good_rows_and_refuses_bad_ones_whole(records_settings, kind_key, xlsx):
    bad, expected = BAD_ROWS[kind_key]
    data, name = filled(kind_key, xlsx=xlsx, bad=bad)
    with pytest.raises(DataError) as error:
        imports.import_file(records_settings, data, name, "Alice", load_data(records_settings))
    text = error.value.render()
    assert f"{name} : " in text and "rien n'a été importé" in text and "ligne 4" in text
    for fragment in expected:
        assert fragment in text, text
    assert "ligne 2" not in text and "ligne 3" not in text  # the good rows have no problem
    assert not db.exists(records_settings) or count(records_settings, TABLES[kind_key]) == 0  # nothing half-imported

    data, name = filled(kind_key, xlsx=xlsx)
    summary = imports.import_file(records_settings, data, name, "Alice", load_data(records_settings))
    assert (summary.kind.key, summary.rows, summary.import_id) == (kind_key, 2, 1)
    assert count(records_settings, TABLES[kind_key]) == 2
    listed = imports.imports_table(records_settings).iloc[0]
    assert (listed["Fichier"], listed["Par"], listed["Lignes"]) == (name, "Alice", 2)
    # The same file again: its identifiers are taken (status updates may be recorded twice: history).
    if kind_key != "status_history":
        with pytest.raises(DataError, match="déjà utilisé par Import n° 1"):
            imports.import_file(records_settings, data, name, "Bob", load_data(records_settings))


def test_the_template_example_row_is_refused(records_settings):
    for kind in KINDS.values():
        check = imports.check_file(templates.template_csv(kind), "m.csv", records_settings, load_data(records_settings))
        assert [p.message for p in check.problems] == [
            "ligne d'exemple du modèle : remplacez-la par vos données ou supprimez-la"
        ], check.problems


def test_a_file_with_the_dictionary_columns_is_a_valid_projects_file(records_settings):
    """``data/projects.csv`` itself, identifiers renamed, imports as another region's file would."""
    text = (get_settings().root / "data" / "projects.csv").read_text(encoding="utf-8").replace("P-", "Q-")
    summary = imports.import_file(records_settings, text.encode(), "projets.csv", "Alice", load_data(records_settings))
    assert summary.rows == 41
    data = load_data(records_settings)
    assert len(data.projects) == 82
    assert summarize(data.projects_as_of("2024-01-01"), data.proposals, data.meetings).by_status["realise"] == 16


def test_spreadsheet_habits_are_undone_and_reported(records_settings):
    kind = KINDS["projects"]
    header = ";".join(kind.headers[c] for c in kind.schema.column_names)
    row = ("P-29-01;29;Titre;;Accès au médecin traitant;;48,25;-4,05;Département entier;En cours;15/03/2024;"
           "CR;Synthèse;")  # fmt: skip
    check = imports.check_file(
        f"{header}\n{row}\n".encode("cp1252"), "r.csv", records_settings, load_data(records_settings)
    )
    assert check.ok, check.problems
    got = check.frame.iloc[0]
    assert (got["theme"], got["status"], got["status_date"], got["lat"]) == (
        "acces_medecin",
        "en_cours",
        "2024-03-15",
        48.25,
    )
    assert any("virgules décimales" in n for n in check.notes) and any("dates" in n for n in check.notes)
    padded = imports.check_file(
        b"Identifiant;Code departement;Titre;Theme;Latitude;Longitude;Precision de localisation;Statut;Source\n"
        b"P-04-77;4;T;prevention;44.1;6.2;departement;non_renseigne;doc\n",
        "p.csv", records_settings, load_data(records_settings),
    )  # fmt: skip
    assert padded.ok and padded.frame.iloc[0]["department_code"] == "04"
    with pytest.raises(DataError) as error:
        imports.check_file(
            b"Identifiant;Titre;Couleur\nx;y;z\n", "c.csv", records_settings, load_data(records_settings)
        )
    text = error.value.render()
    assert (
        "colonne « Couleur » : colonne inconnue" in text and "colonne « Thème » : colonne obligatoire absente" in text
    )


def test_an_imported_region_appears_where_the_seed_regions_do(records_settings):
    for kind_key in ("projects", "proposals", "meetings"):
        data, name = filled(kind_key)
        imports.import_file(records_settings, data, name, "Alice", load_data(records_settings))
    data = load_data(records_settings)
    figures = summarize(data.projects_as_of(TODAY), data.proposals, data.meetings)
    assert "53" in figures.regions and figures.projects == 43 and figures.meetings == 56
    assert len(select_projects(data.projects, departments=["29"])) == 2
    assert data.projects.set_index("id").loc["P-29-010", "origin"].startswith("Import n° 1 (modele-projets.csv, ")
    assert data.history.set_index("project_id").loc["P-29-010", "date"] == "2024-03-15"

    from cnrmap.carte.compose import build_view
    from cnrmap.carte.panel import territory_detail
    from cnrmap.carte.state import MapState
    from cnrmap.export import data as export_data

    view = build_view(MapState(territory="region:53", basemap="aucun"), records_settings, data)
    assert set(view.selection.projects["id"]) == {"P-29-010", "P-29-011"}
    assert "P-29-010" in export_data.projects_csv(view).decode("utf-8-sig")
    detail = territory_detail("29", view, {"29": "Finistère"}, {"53": "Bretagne"})
    assert len(detail["projects"]) == 2 and len(detail["meetings"]) == 2
    assert any("proposition" in line for line in detail["propositions"])

    removed = imports.remove_import(records_settings, 1)
    assert removed == 2 and len(load_data(records_settings).projects) == 41


def test_export_then_import_gives_the_same_data(records_settings, tmp_path, monkeypatch):
    for kind_key in ("projects", "proposals", "meetings"):
        data, name = filled(kind_key)
        imports.import_file(records_settings, data, name, "Alice", load_data(records_settings))
    known = set(load_data(records_settings).projects["id"])
    for day, status in (("2024-04-01", "realise"), ("2024-04-01", "abandonne"), ("2024-05-01", "en_cours")):
        update = history.StatusUpdate("P-29-010", day, status, f"source {status}", "commentaire", "Alice")
        history.record_status(records_settings, update, known)
    first = tmp_path / "first"
    written = export_all(records_settings, first)
    assert written == {"projects.csv": 2, "proposals.csv": 2, "meetings.csv": 2, "status_history.csv": 3,
                       "imports.csv": 3}  # fmt: skip
    header = (first / "projects.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == (get_settings().root / "data" / "projects.csv").read_text(encoding="utf-8").splitlines()[0]

    monkeypatch.setenv("CNRMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'restored.sqlite'}")
    restored = get_settings()
    files = [str(first / n) for n in ("status_history.csv", "meetings.csv", "projects.csv", "proposals.csv")]
    assert cli.main(["data", "import", *files, "--by", "Bob"]) == 0  # ordered: projects before their statuses
    second = tmp_path / "second"
    export_all(restored, second)
    for name in ("projects.csv", "proposals.csv", "meetings.csv", "status_history.csv"):
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
    before, after = load_data(records_settings), load_data(restored)
    for day in ("2024-03-31", "2024-04-01", "2024-06-01"):
        cols = ["id", "status", "status_date", "status_source"]
        pd.testing.assert_frame_equal(before.projects_as_of(day)[cols], after.projects_as_of(day)[cols])
    assert after.projects_as_of("2024-04-01").set_index("id").loc["P-29-010", "status"] == "abandonne"


def test_command_line(records_settings, tmp_path, capsys):
    assert (
        cli.main(["data", "status", "P-13-01", "abandonne", "--date", "2024-02-01", "--source", "CR", "--by", "Eve"])
        == 0
    )
    assert "Statut enregistré (n° 1) : P-13-01 abandonné à partir du 1er février 2024" in capsys.readouterr().out
    assert cli.main(["data", "status", "P-13-01", "realise", "--date", "2099-01-01", "--source", "CR"]) == 1
    assert "dans le futur" in capsys.readouterr().err
    assert cli.main(["data", "template", str(tmp_path / "t")]) == 0
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == sorted(
        [f"{k.stem}.{s}" for k in KINDS.values() for s in ("csv", "xlsx")] + [templates.GUIDE_NAME]
    )
    assert cli.main(["data", "import", str(tmp_path / "t" / "modele-projets.xlsx")]) == 1
    assert "ligne d'exemple du modèle" in capsys.readouterr().out
    assert cli.main(["data", "export", str(tmp_path / "e")]) == 0
    assert "status_history.csv : 1 ligne(s)" in capsys.readouterr().out
    guide = (tmp_path / "t" / templates.GUIDE_NAME).read_text(encoding="utf-8-sig")
    assert "abandonne,Abandonné" in guide and "Code département,department_code,oui" in guide


def test_a_broken_database_url_is_a_french_error(monkeypatch):
    monkeypatch.setenv("CNRMAP_DATABASE_URL", "postgresql+nosuchdriver://u:secret@127.0.0.1/x")
    with pytest.raises(DataError) as error:
        db.engine(get_settings())
    assert "Base des données enregistrées inaccessible" in str(error.value) and "secret" not in str(error.value)


def test_recorded_data_never_touches_the_curated_files(records_settings):
    before = {p.name: p.read_bytes() for p in (get_settings().root / "data").glob("*.csv")}
    history.record_status(records_settings, history.StatusUpdate("P-13-01", TODAY, "abandonne", "CR"), {"P-13-01"})
    data, name = filled("projects")
    imports.import_file(records_settings, data, name, "Alice", load_data(records_settings))
    assert {p.name: p.read_bytes() for p in (get_settings().root / "data").glob("*.csv")} == before


def test_the_default_database_is_a_sqlite_file_in_the_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("CNRMAP_DATABASE_URL")
    settings = get_settings(cache_dir=tmp_path)
    assert db.sqlite_path(settings.database_url) == tmp_path / "data" / "cnrmap-records.sqlite"
    assert not settings.editing
