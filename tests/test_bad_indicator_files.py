"""Bad indicator tables and fetched open-data files give one clear French DataError, never a traceback.

Each bad-input class is tried on a committed indicator table (``data/indicators/densite_mg_2024.csv``,
read through :func:`cnrmap.indicators.official.indicator_values`), on the fetched GP zoning file
(:func:`cnrmap.indicators.zoning.read_zoning`) and on the INSEE populations (``;``-separated,
:func:`cnrmap.indicators.zoning.read_population_2023`).
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnrmap.config import get_settings
from cnrmap.errors import DataError
from cnrmap.indicators.official import indicator_values, list_indicators, read_patients_file, reference_values
from cnrmap.indicators.zoning import read_population_2023, read_zoning

ZONING_TEXT = """code_insee,nom_source,nom_cog_2026,type,code_departement,code_region,zonage
01001,L'Abergement-Clémenciat,L'Abergement-Clémenciat,commune,01,84,ZAC
01004,Ambérieu-en-Bugey,Ambérieu-en-Bugey,commune,01,84,ZIP
13055,Marseille,Marseille,commune,13,93,ZIP
13201,Marseille 1er,"Marseille 1er Arrondissement",arrondissement_municipal,13,93,ZIP
83137,Toulon,Toulon,commune,83,93,ZAC
"""
POPULATION_TEXT = """REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;PCAP;PTOT
84;Auvergne-Rhône-Alpes;01;2;08;001;01001;L'Abergement-Clémenciat;860;16;876
84;Auvergne-Rhône-Alpes;01;1;01;004;01004;Ambérieu-en-Bugey;15934;405;16339
93;Provence-Alpes-Côte d'Azur;13;1;99;201;13201;Marseille 1er Arrondissement;40000;100;40100
93;Provence-Alpes-Côte d'Azur;83;1;99;137;83137;Toulon;180000;900;180900
"""


@dataclass
class Target:
    """A file to break and how the application reads it."""

    name: str  # file name the message must quote
    text: str  # valid content
    sep: str
    numeric: str  # column that must hold a number (or a zoning category)
    command: str  # what the hint must tell to run
    path: Path
    read: object

    def rows(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text), delimiter=self.sep))

    def write_rows(self, rows: list[list[str]], sep: str | None = None) -> None:
        out = io.StringIO()
        csv.writer(out, delimiter=sep or self.sep, lineterminator="\n").writerows(rows)
        self.path.write_text(out.getvalue(), encoding="utf-8")

    def error(self) -> DataError:
        with pytest.raises(DataError) as info:
            self.read()
        message = str(info.value)
        assert self.name in message, message
        assert self.command in (info.value.hint or ""), info.value.hint
        assert "Traceback" not in message
        return info.value


@pytest.fixture()
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``data/`` (without the cache) used through ``CNRMAP_DATA_DIR``."""
    copy = tmp_path / "data"
    shutil.copytree(get_settings().root / "data", copy, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv("CNRMAP_DATA_DIR", str(copy))
    return copy


def _settings(tmp_path: Path):
    return get_settings(cache_dir=tmp_path / "cache", mirror="")


@pytest.fixture(params=["table", "zoning", "population"])
def target(request, tmp_path: Path, data_copy: Path) -> Target:
    if request.param == "table":
        path = data_copy / "indicators" / "densite_mg_2024.csv"
        settings = _settings(tmp_path)
        return Target(
            "densite_mg_2024.csv", path.read_text(encoding="utf-8"), ",", "densite_pour_100000",
            "python -m tools.build_tables --from", path,
            lambda: indicator_values("densite_mg", "departement", settings),
        )  # fmt: skip
    if request.param == "zoning":
        path = tmp_path / "zonage_mg_communes_insee.csv"
        path.write_text(ZONING_TEXT, encoding="utf-8")
        return Target("zonage_mg_communes_insee.csv", ZONING_TEXT, ",", "zonage", "cnrmap fetch --only zonage_mg",
                      path, lambda: read_zoning(path))  # fmt: skip
    path = tmp_path / "insee_populations_legales_2023_communes.csv"
    path.write_text(POPULATION_TEXT, encoding="utf-8")
    return Target("insee_populations_legales_2023_communes.csv", POPULATION_TEXT, ";", "PMUN",
                  "cnrmap fetch --only population", path, lambda: read_population_2023(path))  # fmt: skip


def test_valid_copies_are_read(target):
    assert len(target.read()) > 0


def test_empty_file(target):
    target.path.write_text("", encoding="utf-8")
    assert "est vide" in target.error().message


def test_header_only(target):
    target.path.write_text(target.text.splitlines()[0] + "\n", encoding="utf-8")
    assert "ne contient que l'en-tête" in target.error().message


def test_missing_column(target):
    rows = target.rows()
    index = rows[0].index(target.numeric)
    target.write_rows([row[:index] + row[index + 1 :] for row in rows])
    error = target.error()
    assert target.numeric in error.message and "absente" in error.message
    assert error.problems[0].column == target.numeric and error.problems[0].row == 1


def test_non_numeric_value(target):
    rows = target.rows()
    index = rows[0].index(target.numeric)
    rows[3][index] = "douze"
    target.write_rows(rows)
    error = target.error()
    problem = error.problems[0]
    assert (problem.row, problem.column) == (4, target.numeric)
    assert "'douze'" in str(error) and "ligne 4" in str(error)


def test_latin1_encoding(target):
    target.path.write_bytes(target.text.encode("latin-1"))
    error = target.error()
    assert "UTF-8" in error.message and "Latin-1" in error.message


def test_wrong_separator(target):
    other = ";" if target.sep == "," else ","
    target.write_rows(target.rows(), sep=other)
    error = target.error()
    assert "séparé par des" in error.message
    assert ("point-virgule" if other == ";" else "virgule") in error.message


def test_truncated_file(target):
    lines = target.text.splitlines()
    cut = lines[3][: len(lines[3]) // 3]  # the last line stops in the middle
    target.path.write_text("\n".join([*lines[:3], cut]) + "\n", encoding="utf-8")
    error = target.error()
    # Fewer fields, or a quote left open when the cut falls inside a quoted field.
    assert "nombre de champs" in error.message or "guillemet non fermé" in error.message, error.message
    assert error.problems[0].row == 4 and "tronqué" in str(error)


def test_unbalanced_quote(target):
    lines = target.text.splitlines()
    lines[2] = lines[2].replace(target.sep, target.sep + '"', 1)
    target.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = target.error()
    assert "guillemet non fermé" in error.message and error.problems[0].row == 3


def test_duplicated_codes(target):
    rows = target.rows()
    target.write_rows([*rows, rows[2]])
    error = target.error()
    assert "en double" in str(error)
    assert error.problems[0].row == len(rows) + 1


def test_zoning_unknown_category_and_bad_code(tmp_path):
    path = tmp_path / "zonage_mg_communes_insee.csv"
    path.write_text(ZONING_TEXT.replace(",93,ZAC\n", ",93,ZZZ\n").replace("\n01004,", "\n1x004,"), "utf-8")
    with pytest.raises(DataError) as info:
        read_zoning(path)
    assert "'1x004'" in str(info.value) and info.value.problems[0].row == 3
    path.write_text(ZONING_TEXT.replace(",93,ZAC\n", ",93,ZZZ\n"), "utf-8")
    with pytest.raises(DataError) as info:
        read_zoning(path)
    assert "'ZZZ'" in str(info.value) and "cnrmap fetch --only zonage_mg" in info.value.hint


def test_missing_fetched_file(tmp_path):
    with pytest.raises(DataError, match="introuvable") as info:
        read_zoning(tmp_path / "absent.csv")
    assert "cnrmap fetch --only zonage_mg" in info.value.hint


def test_bad_patients_file(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("annee;departement;taux_patients_ald_sans_mt\n2023;13;beaucoup\n2023;04;3,5\n", "utf-8")
    with pytest.raises(DataError) as info:
        read_patients_file(path)
    assert "'beaucoup'" in str(info.value) and info.value.problems[0].column == "taux_patients_ald_sans_mt"
    assert "cnrmap fetch --only patients_sans_mt" in info.value.hint
    path.write_bytes("annee;departement;taux_patients_ald_sans_mt\n2023;Corrèze;3\n".encode("latin-1"))
    with pytest.raises(DataError, match="UTF-8"):
        read_patients_file(path)


def test_list_indicators_survives_a_broken_table(tmp_path, data_copy):
    settings = _settings(tmp_path)
    (data_copy / "indicators" / "apl_mg_departements.csv").write_text("code;apl_mg_2024\n13;3,1\n", "utf-8")
    table = data_copy / "indicators" / "densite_mg_2024.csv"
    table.write_text(table.read_text("utf-8").replace(",59.2,", ",beaucoup,"), "utf-8")
    indicators = {i.id: i for i in list_indicators(settings)}
    for broken in ("densite_mg", "apl_mg_2024", "apl_mg_2023", "part_pop_apl_inf_2_5"):
        assert not indicators[broken].installed and indicators[broken].levels == ()
    density = indicators["densite_mg"].install_hint
    assert "densite_mg_2024.csv" in density and "'beaucoup'" in density and "build_tables --from" in density
    assert "point-virgule" in indicators["apl_mg_2024"].install_hint
    # The other layers still work.
    assert indicators["population"].installed and indicators["zonage_mg"].installed
    values, report = indicator_values("population", "departement", settings)
    assert len(values) == 100 and report.unmatched_left == ("976",)
    assert reference_values("zonage_mg", settings)["FR"] > 0
    with pytest.raises(DataError, match=r"densite_mg_2024\.csv"):
        indicator_values("densite_mg", "departement", settings)
    with pytest.raises(DataError, match="point-virgule"):
        reference_values("apl_mg_2024", settings)


def test_list_indicators_survives_a_broken_patients_file(empty_settings):
    """An unreadable CNAM file: the indicator falls back to the documents' figures and says what is wrong."""
    from cnrmap.indicators.official import patients_file

    path = patients_file(empty_settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", "utf-8")
    patients = {i.id: i for i in list_indicators(empty_settings)}["patients_sans_mt"]
    assert patients.origin == "documents" and patients.levels == ("departement",)
    assert "pas de source nationale installée" in patients.source
    assert "est vide" in patients.install_hint and "cnrmap fetch --only patients_sans_mt" in patients.install_hint


def test_fetched_file_is_checked_once_per_version(tmp_path):
    """A fetched file that read well is not parsed again by the next process; any change re-checks it."""
    from cnrmap.indicators.communes import check_once as _check_once

    path = tmp_path / "zonage_mg_communes_insee.csv"
    path.write_text(ZONING_TEXT, encoding="utf-8")
    reads: list[Path] = []

    def reader(p: Path) -> None:
        reads.append(p)
        read_zoning(p)

    _check_once(path, reader)
    _check_once(path, reader)
    assert len(reads) == 1
    path.write_text(ZONING_TEXT.replace(",93,ZAC\n", ",93,ZZZZ\n"), encoding="utf-8")  # another size
    for _ in range(2):  # a failing file is never stamped: it is read (and reported) every time
        with pytest.raises(DataError, match="'ZZZZ'"):
            _check_once(path, reader)
    assert len(reads) == 3


def test_file_on_a_read_only_cache_is_checked_once_per_process(tmp_path):
    """A cache shared read-only by several app processes cannot hold the stamp: the process remembers it."""
    from cnrmap.indicators.communes import CHECKED_SUFFIX
    from cnrmap.indicators.communes import check_once as _check_once

    path = tmp_path / "zonage_mg_communes_insee.csv"
    path.write_text(ZONING_TEXT, encoding="utf-8")
    (tmp_path / (path.name + CHECKED_SUFFIX)).mkdir()  # the stamp can be neither read nor written
    reads: list[Path] = []

    def reader(p: Path) -> None:
        reads.append(p)
        read_zoning(p)

    for _ in range(3):
        _check_once(path, reader)
    assert len(reads) == 1
