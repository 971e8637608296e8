"""One registry of indicators (levels, years, unit, source, installed) read by ``cnrmap render --help`` and the
options ``--year``, ``--from-year``, ``--figure``."""

from __future__ import annotations

import argparse

import pytest
from synthetic import DEPARTMENTS

from cnrmap import cli
from cnrmap.cli.render import add_view_arguments, state_from_args
from cnrmap.errors import DataError
from cnrmap.indicators import registry
from cnrmap.sources.fetch import fetch


def test_registry_lists_levels_years_unit_source_and_state(empty_settings):
    catalogue = registry.catalogue(empty_settings)
    assert {"apl_mg", "apl_mg_2024", "apl_mg_2023", "documents", "patients_sans_mt"} <= set(catalogue)
    text = registry.describe(list(catalogue.values()))
    assert "apl_mg : Accessibilité potentielle localisée (APL) aux médecins généralistes\n" in text
    assert "niveaux : departement, commune ; années 2015, 2016, 2017, 2018, 2019, 2021, 2022, 2023" in text
    assert "unité : consultations par habitant et par an ; non installé" in text
    assert "patients_sans_mt : Part des patients sans médecin traitant" in text
    assert "tiré des documents du CNR santé" in text
    rows = {r["Identifiant"]: r for r in registry.rows(list(catalogue.values()))}
    assert rows["densite_mg"]["État"] == "installé" and rows["patients_sans_mt"]["État"] == "chiffres des documents"
    assert rows["apl_mg"]["Niveaux"] == "par département, par commune"


def test_old_apl_links_still_open_and_point_to_the_commune_values(empty_settings):
    catalogue = registry.catalogue(empty_settings)
    assert registry.shown_at(catalogue["apl_mg_2024"], "departement")  # the committed table, always there
    problem = registry.unavailable(catalogue, "apl_mg_2024", "commune")
    assert problem is not None and "n'existe que par département" in problem.message


def test_render_help_reads_the_registry(capsys):
    with pytest.raises(SystemExit):
        cli.main(["render", "--help"])
    out = capsys.readouterr().out
    assert "--year AAAA" in out and "--from-year AAAA" in out and "--figure CHIFFRE" in out
    assert "années 2015, 2016" in out and "source : DREES" in out
    assert "patients_sans_mt_part : Part des patients sans médecin traitant" in out  # the documents' figures


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_view_arguments(parser)
    return parser.parse_args(list(argv))


def test_year_options_make_the_state():
    state = state_from_args(_args("--indicator", "apl_mg", "--year", "2019", "--from-year", "2015"))
    assert (state.year, state.from_year) == ("2019", "2015")
    assert state.to_query_params()["from_year"] == "2015"
    figure = state_from_args(_args("--indicator", "documents", "--figure", "nb_msp"))
    assert figure.figure == "nb_msp"
    with pytest.raises(DataError, match="année"):
        state_from_args(_args("--year", "deux mille"))


def test_render_with_a_year_writes_it_in_the_map(synthetic_settings, synthetic_catalog, monkeypatch, tmp_path, capsys):
    only = ["apl_mg_communes", "cog", "population", "departements", "communes"]
    fetch(synthetic_settings, only=only, departments=list(DEPARTMENTS), progress=False, catalog=synthetic_catalog)
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(synthetic_settings.data_cache.parent))
    out = tmp_path / "apl.html"
    code = cli.main(["render", "--territory", "region:93", "--level", "commune", "--indicator", "apl_mg",
                     "--year", "2019", "--no-basemap", "--out", str(out)])  # fmt: skip
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "aux m\\u00e9decins g\\u00e9n\\u00e9ralistes, 2019" in html or "médecins généralistes, 2019" in html
    assert "« Accessibilité potentielle localisée (APL) aux médecins généralistes, 2019 »" in capsys.readouterr().out
    assert cli.main(["render", "--indicator", "apl_mg", "--year", "2020", "--out", str(out)]) == 1
    assert "n'a pas publié 2020" in capsys.readouterr().err
