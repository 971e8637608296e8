"""Validation of the curated datasets: each class of bad row is caught, all errors at once, in French."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnrmap.config import child_environment, get_settings
from cnrmap.curated.load import load_cnr_data, load_projects, validate
from cnrmap.errors import DataError, Problem

SRC = "000_94171454de998992.txt:554-560"
REFERENCE = {
    "reference/regions.csv": "code,name,source\n93,Provence-Alpes-Côte d'Azur,test\n75,Nouvelle-Aquitaine,test\n",
    "reference/departements.csv": "code,name,region_code,source\n13,Bouches-du-Rhône,93,test\n"
    "83,Var,93,test\n33,Gironde,75,test\n",
    "reference/communes.csv": "code,name,department_code,source\n13004,Arles,13,test\n13055,Marseille,13,test\n"
    "33063,Bordeaux,33,test\n",
    "reference/departements_emprise.csv": "code,min_lon,min_lat,max_lon,max_lat,source\n"
    "13,4.22,43.15,5.82,43.93,test\n83,5.65,42.98,6.94,43.81,test\n33,-1.27,44.19,0.32,45.58,test\n",
    "reference/arrondissements.csv": "code,department_code,communes,source\n331,33,62,test\n",
}
FIGURES_HEADER = (
    "id,territory,territory_level,territory_codes,department_code,region_code,indicator,indicator_label,value,unit,"
    "year,quote,source,remark\n"
)
GOOD_FIGURES = (
    "F-003-0130,Bordeaux,commune,33063,33,75,population,habitants,261000,habitants,,261 000 hab à Bordeaux,"
    "003_69b1a6520f933c0b.txt:5464,\n"
    "F-003-0133,Haute-Gironde,arrondissement,331,33,75,population,habitants,90945,habitants,2020,"
    "accueillait 90 945 habitants,003_69b1a6520f933c0b.txt:5587,\n"
)
PROJECTS_HEADER = (
    "id,department_code,title,summary,theme,commune_codes,lat,lon,location_precision,status,"
    "status_date,status_source,source,notes\n"
)
GOOD_PROJECT = f"P-13-01,13,Arles : PDSA,Résumé,soins_non_programmes,13004,43.54,4.72,commune,realise,,001_b025d499e17d2ded.txt:40,{SRC},\n"
GOOD_PROJECT_2 = f"P-83-01,83,Var-Est,Résumé,attractivite,,43.41,6.26,departement,non_renseigne,,,{SRC},\n"
PROPOSALS = (
    "id,region_code,scope_level,territory_code,theme,axis,number,level,parent_id,text,verbatim_count,source,notes\n"
    f"G1,75,region,75,acces_medecin,Solutions,,groupe,,Encourager l'installation,187,003_69b1a6520f933c0b.txt:246,\n"
    f"P1,75,region,75,acces_medecin,Solutions,,proposition,G1,Aller vers une territorialisation,51,003_69b1a6520f933c0b.txt:248-251,\n"
    f"P2,75,departement,33,prevention,Solutions,,proposition,,Prévenir,3,003_69b1a6520f933c0b.txt:5200,\n"
    f"P3,93,region,93,prevention,Axe,1.1,proposition,,Proposition PACA,,{SRC},\n"
)
MEETINGS = (
    "id,region_code,department_code,place,commune_code,lat,lon,location_precision,date,kind,source,notes\n"
    "M1,93,13,Marseille,13055,43.29,5.44,commune,2022-11-04,lancement,000_94171454de998992.txt:16-18,\n"
    "M2,75,33,Bordeaux,33063,44.85,-0.58,commune,2022-11-30,atelier,003_69b1a6520f933c0b.txt:5426,\n"
)


def make_data(
    root: Path, projects: str | bytes | None = None, status_totals_csv: str | None = None, **overrides: str
) -> Path:
    files = dict(REFERENCE)
    files["projects.csv"] = PROJECTS_HEADER + GOOD_PROJECT + GOOD_PROJECT_2 if projects is None else projects
    files["proposals.csv"] = PROPOSALS
    files["meetings.csv"] = MEETINGS
    files["document_figures.csv"] = FIGURES_HEADER + GOOD_FIGURES
    files["contributions.csv"] = (
        "region_code,territory_code,theme,contributions,share_pct,source\n75,75,prevention,315,17,003_69b1a6520f933c0b.txt:53-56\n"
    )
    files["status_totals.csv"] = (
        "id,region_code,scope,territory_code,as_of,as_of_label,total,realise,en_cours,quote,source,remark\n"
        "ST-001-1,93,region,93,2023,sur l'année 2023,41,11,30,« 11 projets réalisés »,001_b025d499e17d2ded.txt:21,\n"
    )
    if status_totals_csv is not None:
        files["status_totals.csv"] = status_totals_csv
    files.update(overrides)
    for name, content in files.items():
        path = root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def problems_for(tmp_path: Path, projects: str | bytes | None = None, **overrides: str) -> list[str]:
    settings = get_settings(root=make_data(tmp_path, projects, **overrides))
    problems, _ = validate(settings)
    return [str(p) for p in problems]


def one_bad_project(row: str) -> str:
    return PROJECTS_HEADER + GOOD_PROJECT + row


def test_fixture_is_valid(tmp_path):
    assert problems_for(tmp_path) == []
    data = load_cnr_data(get_settings(root=tmp_path))
    assert list(data.projects["id"]) == ["P-13-01", "P-83-01"]


def test_loader_types(tmp_path):
    make_data(tmp_path)
    projects = load_projects(get_settings(root=tmp_path))
    assert projects["department_code"].tolist() == ["13", "83"]
    assert projects["lat"].dtype == "float64"
    assert str(projects["department_code"].dtype) == "string"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            f"P-X,13,T,,sante_mentale,13004,43.5,4.7,commune,non_renseigne,,,{SRC},\n",
            "'sante_mentale' n'est pas une valeur permise",
        ),
        (f"P-X,13,T,,prevention,13004,43.5,4.7,commune,fini,,,{SRC},\n", "'fini' n'est pas une valeur permise"),
        (f"P-X,99,T,,prevention,,43.5,4.7,departement,non_renseigne,,,{SRC},\n", "département '99' inconnu"),
        (f"P-X,13,T,,prevention,13999,43.5,4.7,commune,non_renseigne,,,{SRC},\n", "commune '13999' inconnue"),
        (
            f"P-X,13,T,,prevention,13004,4.7,43.5,commune,non_renseigne,,,{SRC},\n",
            "hors de l'emprise du département '13'",
        ),
        (f"P-X,13,T,,prevention,13004,43.5,4.7,commune,realise,2023-13-45,{SRC},{SRC},\n", "date '2023-13-45'"),
        (
            f"P-X,13,T,,prevention,13004,43.5,4.7,commune,realise,08/11/2023,{SRC},{SRC},\n",
            "format AAAA-MM-JJ ou AAAA-MM attendu",
        ),
        (f"P-X,13,T,,prevention,13004,43.5,4.7,commune,realise,2019-01-01,{SRC},{SRC},\n", "hors de la période"),
        (
            f"P-13-01,13,T,,prevention,13004,43.5,4.7,commune,non_renseigne,,,{SRC},\n",
            "identifiant 'P-13-01' en double",
        ),
        (
            "P-X,13,T,,prevention,13004,43.5,4.7,commune,non_renseigne,,,,\n",
            "colonne « source » : valeur obligatoire manquante",
        ),
        ("P-X,13,T,,prevention,13004,43.5,4.7,commune,non_renseigne,,,brochure p. 12,\n", "référence 'brochure p. 12'"),
        (f"P-X,13,T,,prevention,13004,43.5,4.7,commune,realise,,,{SRC},\n", "le statut 'realise' doit citer sa source"),
        (f"P-X,13,T,,prevention,13004,43.5,4.7,commune,non_renseigne,2023-11-08,,{SRC},\n", "alors qu'une date"),
        (
            f"P-X,13,T,,prevention,13004,43.5,4.7,departement,non_renseigne,,,{SRC},\n",
            "un projet départemental ne nomme pas de commune",
        ),
        (
            f"P-X,13,,,prevention,13004,43.5,4.7,commune,non_renseigne,,,{SRC},\n",
            "colonne « title » : valeur obligatoire manquante",
        ),
    ],
)
def test_each_bad_row_class_is_reported(tmp_path, row, expected):
    messages = problems_for(tmp_path, one_bad_project(row))
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("data/projects.csv, ligne 3") for m in messages), messages


def test_bad_number_names_file_row_and_column(tmp_path):
    row = f"P-X,13,T,,prevention,13004,nord,4.7,commune,non_renseigne,,,{SRC},\n"
    messages = problems_for(tmp_path, one_bad_project(row))
    assert messages == [
        "data/projects.csv, ligne 3, colonne « lat » : valeur 'nord' : un nombre décimal avec un point est attendu"
    ]


def test_several_errors_reported_at_once(tmp_path):
    rows = (
        f"P-A,13,T,,sante,13004,43.5,4.7,commune,non_renseigne,,,{SRC},\n"
        f"P-B,98,T,,prevention,,43.5,4.7,departement,non_renseigne,,,{SRC},\n"
        f"P-B,13,T,,prevention,13004,43.5,4.7,commune,non_renseigne,,,,\n"
    )
    messages = problems_for(tmp_path, PROJECTS_HEADER + rows)
    assert len(messages) >= 4
    assert {m.split(",")[1] for m in messages} >= {" ligne 2", " ligne 3", " ligne 4"}


def test_proposal_and_meeting_rules(tmp_path):
    proposals = PROPOSALS + f"P4,75,departement,13,prevention,Axe,,proposition,NOPE,Texte,-2,{SRC},\n"
    meetings = MEETINGS + f"M3,75,33,Bordeaux,13055,44.85,-0.58,commune,2022-11-31,atelier,{SRC},\n"
    messages = problems_for(tmp_path, **{"proposals.csv": proposals, "meetings.csv": meetings})
    text = "\n".join(messages)
    assert "le département '13' n'est pas dans la région indiquée" in text
    assert "'NOPE' ne désigne aucune ligne" in text
    assert "nombre de verbatims négatif" in text
    assert "date '2022-11-31' inexistante" in text
    assert "la commune '13055' n'est pas dans le département '33'" in text


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("P4,75,region,93,prevention,Axe,,proposition,,Texte,,{SRC},\n", "'93' : une proposition régionale porte"),
        ("P4,75,departement,99,prevention,Axe,,proposition,,Texte,,{SRC},\n", "département '99' inconnu"),
        ("P4,75,departement,33,prevention,Axe,,proposition,G1,Texte,4,{SRC},\n", None),
    ],
)
def test_each_proposal_territory_rule(tmp_path, row, expected):
    messages = problems_for(tmp_path, **{"proposals.csv": PROPOSALS + row.format(SRC=SRC)})
    if expected is None:
        assert messages == []
    else:
        assert [m for m in messages if expected in m] == [m for m in messages if "ligne 6" in m]
        assert len(messages) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "est vide"),
        (PROJECTS_HEADER.replace(",", ";") + GOOD_PROJECT.replace(",", ";"), "séparé par des point-virgules"),
        ((PROJECTS_HEADER + GOOD_PROJECT.replace("Résumé", "Résumé")).encode("latin-1"), "n'est pas encodé en UTF-8"),
        (PROJECTS_HEADER.replace("theme,", ""), "colonne « theme » : colonne absente"),
        (PROJECTS_HEADER + GOOD_PROJECT + 'P-X,13,"titre non fermé,,prevention\n', "champs au lieu de 14"),
    ],
)
def test_unreadable_files_raise_french_data_error(tmp_path, content, expected):
    make_data(tmp_path, content)
    with pytest.raises(DataError) as info:
        load_cnr_data(get_settings(root=tmp_path))
    assert expected in info.value.render()


def test_header_only_file_is_valid_but_empty(tmp_path):
    assert problems_for(tmp_path, PROJECTS_HEADER) == []


def test_missing_file(tmp_path):
    make_data(tmp_path)
    (tmp_path / "data" / "meetings.csv").unlink()
    with pytest.raises(DataError, match=re.escape("Fichier introuvable : data/meetings.csv")):
        load_cnr_data(get_settings(root=tmp_path))


def test_checked_in_datasets_validate():
    problems, counts = validate(get_settings())
    assert [str(p) for p in problems] == []
    assert counts["projects"] > 0 and counts["proposals"] > 0 and counts["meetings"] > 0


def test_cli_validate_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "cnrmap.cli", "validate"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("Données valides :") and len(ok.stdout.strip().splitlines()) == 1


def test_cli_validate_reports_every_error_and_exits_1(tmp_path):
    rows = f"P-A,13,T,,sante,13004,43.5,4.7,commune,non_renseigne,,,{SRC},\nP-A,13,T,,prevention,13004,43.5,4.7,commune,non_renseigne,,,,\n"
    make_data(tmp_path, PROJECTS_HEADER + rows)
    env = child_environment({"CNRMAP_DATA_DIR": str(tmp_path / "data")})
    run = subprocess.run([sys.executable, "-m", "cnrmap.cli", "validate"], capture_output=True, text=True, env=env)
    assert run.returncode == 1
    assert "3 erreur(s) dans les données" in run.stdout
    assert "data/projects.csv, ligne 2, colonne « theme »" in run.stdout


def test_a_project_commune_lies_in_the_project_department(tmp_path):
    wrong = f"P-83-02,83,T,,prevention,13004,43.41,6.26,commune,non_renseigne,,,{SRC},\n"
    problems = problems_for(tmp_path, one_bad_project(wrong))
    assert any("la commune '13004' est dans le département '13', pas '83'" in p for p in problems)
    explained = wrong.rstrip("\n") + "Remarque : la brochure classe ce projet dans le Var mais nomme Arles.\n"
    assert problems_for(tmp_path, one_bad_project(explained)) == []


def test_the_curated_exception_carries_its_remark():
    data = load_cnr_data(get_settings())
    p0501 = data.projects.set_index("id").loc["P-05-01"]
    assert "38052" in p0501["commune_codes"] and "Remarque :" in p0501["notes"]


def test_status_totals_are_checked(tmp_path):
    header = "id,region_code,scope,territory_code,as_of,as_of_label,total,realise,en_cours,quote,source,remark\n"
    bad = header + "ST-1,93,region,93,08/11/2023,au 8 novembre,41,14,26,« … »,002_2c4c869459a1ff39.txt:26,\n"
    problems = problems_for(tmp_path, status_totals_csv=bad)
    assert any("date '08/11/2023'" in p for p in problems)
    assert any("réalisés + en cours = 40, pas 41" in p for p in problems)


def test_valid_data_are_checked_once_per_content(tmp_path, monkeypatch):
    from cnrmap.curated import load as load_module

    settings = get_settings(root=make_data(tmp_path / "repo"), cache_dir=tmp_path / "cache")
    calls = []
    real = load_module.validate_frames
    monkeypatch.setattr(load_module, "validate_frames", lambda *a, **k: calls.append(1) or real(*a, **k))
    load_cnr_data(settings)
    load_cnr_data(settings)  # a later process: the stamp of these bytes and rules is found
    assert len(calls) == 1
    projects = settings.data_dir / "projects.csv"
    projects.write_text(projects.read_text(encoding="utf-8").replace("P-83-01", "P-83-02"), encoding="utf-8")
    monkeypatch.setattr(load_module, "validate_frames", lambda *a, **k: [Problem("data/projects.csv", "règle")])
    with pytest.raises(DataError, match="1 erreur"):
        load_cnr_data(settings)  # changed bytes: checked again


def test_invalid_data_are_never_stamped(tmp_path):
    row = f"P-X,13,T,,prevention,13004,43.5,4.7,departement,non_renseigne,,,{SRC},\n"  # names a commune
    settings = get_settings(root=make_data(tmp_path / "repo", one_bad_project(row)), cache_dir=tmp_path / "cache")
    for _ in range(2):
        with pytest.raises(DataError, match="erreur"):
            load_cnr_data(settings)
    assert not (settings.data_cache / "curated-validated").exists()


def test_an_unwritable_cache_only_means_checking_every_time(tmp_path, monkeypatch):
    from cnrmap.curated import load as load_module

    (tmp_path / "cache").write_text("not a folder")
    settings = get_settings(root=make_data(tmp_path / "repo"), cache_dir=tmp_path / "cache")
    calls = []
    real = load_module.validate_frames
    monkeypatch.setattr(load_module, "validate_frames", lambda *a, **k: calls.append(1) or real(*a, **k))
    load_cnr_data(settings)
    load_cnr_data(settings)
    assert len(calls) == 2


def test_the_stamp_changes_with_the_rules_source(tmp_path, monkeypatch):
    from cnrmap.curated import checked

    settings = get_settings(root=make_data(tmp_path / "repo"), cache_dir=tmp_path / "cache")
    before = checked.data_digest(settings)
    monkeypatch.setattr(checked, "RULE_MODULES", (*checked.RULE_MODULES, "cnrmap.errors"))
    assert checked.data_digest(settings) != before
