"""Slide decks: what each slide holds (tiny fixtures), the .pptx read back with python-pptx, the command.

Without a browser the maps are a small PNG drawn here (``renderer=``); the ``browser`` tests at the end build
real decks with Chromium, through ``cnrmap deck``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zlib

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cnrmap import cli, vocab
from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
from cnrmap.curated.definitions import projects_in, proposition_scope, status_counts, summarize
from cnrmap.deck.build import build_deck
from cnrmap.deck.content import Names
from cnrmap.deck.figures import department_slide
from cnrmap.deck.model import BODY, Table, row_height, table_height, text_lines
from cnrmap.deck.projects import COLUMNS, FONT_PT, NO_PROJECT, WIDTHS, paginate, project_slides
from cnrmap.export import browser
from cnrmap.export.png import PngImage
from cnrmap.indicators.spec import IndicatorData

try:  # tests/ as a package or as a plain folder on sys.path
    from tests import map_fixtures
except ModuleNotFoundError:
    import map_fixtures

import pandas as pd

DATE = dt.date(2026, 11, 23)
PACA = ("04", "05", "06", "13", "83", "84")
NAMES = Names(
    departments={c: n for c, n, _ in map_fixtures.DEPARTMENTS},
    regions={"93": "Provence-Alpes-Côte d'Azur", "76": "Occitanie"},
    region_of={c: r for c, _, r in map_fixtures.DEPARTMENTS},
)


def compose(state: MapState):
    indicator = IndicatorData(
        id="densite_mg", label="Densité de médecins généralistes", kind="numeric", level="departement",
        values=pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [95.4, 80.1, 70.0, 88.0]}),
        unit="pour 100 000 habitants", vintage="2024", source="CNAM", references={"93": 85.2, "FR": 81.0},
    )  # fmt: skip
    return map_fixtures.compose(state, indicator)


def tiny_png(width: int = 32, height: int = 18) -> bytes:
    """A valid grey PNG (the slides only need an image of the right shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def fake_renderer(drawn: list):
    def render(view, title):
        drawn.append((view.state.territory, title))
        return PngImage(tiny_png(), 32, 18, title, warnings=list(view.warnings))

    return render


def texts(slide) -> str:
    """Every text of a slide: text boxes and table cells."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(out)


def pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def tables(slide) -> list:
    return [s.table for s in slide.shapes if s.has_table]


def title_of(slide) -> str:
    """The slide's title: the first text box (the template draws it first)."""
    return next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip())


# --- what the slides say (tiny fixtures, no file) ---------------------------------------------------------


def test_key_figures_come_from_the_definitions():
    view = compose(MapState(territory="region:93", as_of="2024-01-15"))
    slide = department_slide(view, "13", NAMES, [view.indicator], {"densite_mg"})
    lines = [line for stack in slide.columns for block in stack for line in block.lines]
    here, _ = projects_in(view.selection.projects, "departement", "13")
    counts = status_counts(here)
    assert lines[0] == "2 projets recensés dans les documents, dont 1 à l'échelle du département"
    assert lines[1] == " · ".join(f"{vocab.STATUSES[s]} : {n}" for s, n in counts.items())
    assert counts["realise"] == 1 and counts["en_cours"] == 1
    scope = proposition_scope(view.selection.propositions, "departement", "13", "13", "93")
    assert scope.lines(NAMES.departments, NAMES.regions, "departement")[1] in " ".join(lines)
    assert "1 réunion ou atelier tenu : Réunion territoriale, Marseille <Hôtel>, 3 octobre 2022" in lines
    assert slide.top.table.rows == (
        ("Densité de médecins généralistes\nindicateur des cartes", "80,1 pour 100 000 habitants", "2024", "85,2",
         "81,0", "CNAM"),
    )  # fmt: skip
    assert slide.subtitle.startswith("État au 15 janvier 2024 · Tous les thèmes et tous les statuts")
    assert any("CNAM" in line for line in slide.notes) and any("doc.txt:9" in line for line in slide.notes)


def test_filters_apply_to_the_slides_and_are_stated():
    view = compose(MapState(territory="region:93", statuses=("realise",)))
    slide = department_slide(view, "13", NAMES, [view.indicator], set())
    lines = [line for stack in slide.columns for block in stack for line in block.lines]
    assert "Réalisé : 1" in lines and not any("En cours" in line for line in lines)
    assert "Projets au statut : réalisé" in slide.subtitle
    (var,) = project_slides(view, "83", NAMES)  # its only project is « non renseigné »
    assert var.kind == "message" and var.table is None
    assert var.lines[0] == NO_PROJECT
    assert "1 projet recensé sans les filtres (Projets au statut : réalisé)" in var.lines


def test_projects_table_rows_and_honest_empty_slide():
    view = compose(MapState(territory="region:93", as_of="2024-01-15"))
    (slide,) = project_slides(view, "13", NAMES)
    assert slide.table.columns == COLUMNS
    titles = [row[0] for row in slide.table.rows]
    assert titles == [map_fixtures.XSS, "Projet départemental"]  # text as written: a .pptx is not HTML
    assert slide.table.rows[1][1] == "Bouches-du-Rhône (13), département entier"
    assert slide.table.rows[0][2] == "Réalisé, juin 2023"
    assert any("Source : doc.txt:1-2" in line for line in slide.notes)
    (empty,) = project_slides(view, "04", NAMES)
    assert empty.kind == "message" and empty.lines[:2] == (NO_PROJECT, "pour Alpes-de-Haute-Provence (04)")


def test_long_tables_continue_on_further_slides_without_overflow():
    rows = [(f"Projet {i} " + "très long intitulé " * (i % 7), "Commune — Var (83)", "En cours, 8 novembre 2023",
             "Brochure ARS PACA « Innover pour notre santé », 2023 ; statut : Dossier de presse")
            for i in range(40)]  # fmt: skip
    pages = paginate(rows)
    assert len(pages) > 2 and [row for page in pages for row in page] == rows
    for page in pages:
        assert table_height(Table(COLUMNS, tuple(page), WIDTHS, FONT_PT, small=(3,))) <= BODY.height
    spec = Table(COLUMNS, (), WIDTHS, FONT_PT, small=(3,))
    short = ("Projet", "Var (83)", "En cours", "Brochure")
    longer = ("Projet " + "très long intitulé " * 12, *short[1:])
    assert row_height(longer, spec) > row_height(rows[0], spec) > row_height(short, spec)


def test_text_lines_estimate_word_wrap():
    assert text_lines("", 1.0, 10) == 1
    assert text_lines("court", 3.0, 10) == 1
    assert text_lines("mot " * 100, 3.0, 10) > 5
    assert text_lines("ligne\nautre ligne", 3.0, 10) == 2


def test_plan_overview_by_department_then_one_map_per_department_or_region():
    from cnrmap.deck.plan import by_department, part_states
    from cnrmap.indicators.spec import Indicator

    def indicator(levels):
        return Indicator("x", "X", "", "2024", "", levels, "numeric", None, None, True, "")

    catalogue = {"apl_mg": indicator(("departement", "commune")), "zonage_mg": indicator(("commune",))}
    asked = MapState(territory="region:93", level="commune", indicator="apl_mg", year="2019", need="zip_sans_projet")
    kept = by_department(asked, catalogue)
    assert (kept.level, kept.indicator, kept.year, kept.need) == ("departement", "apl_mg", "2019", None)
    other = by_department(MapState(territory="region:93", level="commune", indicator="zonage_mg", year="2019"),
                          {**catalogue, "zonage_mg": indicator(("commune",))})  # fmt: skip
    assert (other.indicator, other.year) == (None, None)  # the level's default, without a year it may not have
    region = compose(MapState(territory="region:93"))
    states = part_states(MapState(territory="region:93", level="commune", place="13001"), region, NAMES.region_of)
    assert [(s.territory, s.level, s.place) for s in states] == [
        ("departement:04", "commune", None), ("departement:13", "commune", "13001"), ("departement:83", "commune", None)
    ]  # fmt: skip
    france = compose(MapState(territory="FR", statuses=("realise",)))
    assert [s.territory for s in part_states(MapState(), france, NAMES.region_of)] == ["region:76", "region:93"]


def test_cite_titles_only_for_slides():
    from cnrmap.sources.provenance import cite

    source = "000_94171454de998992.txt:556-576; 002_2c4c869459a1ff39.txt:26; 000_94171454de998992.txt:12"
    assert cite(source, detail=False) == (
        "Brochure ARS PACA « Innover pour notre santé », 2023 ; Dossier de presse ARS PACA — Var, novembre 2023"
    )
    assert cite(source).startswith("Brochure ARS PACA « Innover pour notre santé », 2023 (l. 556-576, 12 ; fichier")
    assert cite("Comité de suivi du 3 mars 2024", detail=False) == "Comité de suivi du 3 mars 2024"


# --- the file, read back (real data, maps drawn here) -----------------------------------------------------


@pytest.fixture()
def offline(tmp_path, monkeypatch):
    """Settings with no mirror and an empty cache: department maps only need what the repository holds."""
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    from cnrmap.records.data import load_data

    settings = get_settings()
    return settings, load_data(settings)


def test_region_deck_slides_in_order_with_pictures_tables_and_notes(offline):
    settings, data = offline
    drawn: list = []
    deck = build_deck(MapState(territory="region:93"), settings, data, date=DATE, renderer=fake_renderer(drawn))
    assert [t for t, _ in drawn] == ["region:93", *(f"departement:{c}" for c in PACA)]  # one image per map
    prs = Presentation(io.BytesIO(deck.data))
    slides = list(prs.slides)
    assert len(slides) == len(deck.slides)
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    titles = [title_of(s) for s in slides]
    assert titles[:3] == ["Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur : vue d'ensemble par département",
                          "Provence-Alpes-Côte d'Azur : chiffres clés"]  # fmt: skip
    assert titles[-1] == "Sources et méthode"
    order = [re.match(r"^(.*) \((\d\d)\) : (carte|chiffres clés|projets du CNR santé)", t) for t in titles[3:-1]]
    assert all(order), titles
    assert [m[2] for m in order if m[3] == "carte"] == list(PACA)
    for code in PACA:  # map, key figures, then projects (one or more slides) for each department
        mine = [m[3] for m in order if m[2] == code]
        assert mine[:2] == ["carte", "chiffres clés"] and set(mine[2:]) == {"projets du CNR santé"}
    assert order[0][1] == "Alpes-de-Haute-Provence" and "Vaucluse (84) : carte" in titles
    for slide, spec in zip(slides, deck.slides, strict=True):
        assert len(pictures(slide)) == (1 if spec.kind == "map" else 0)
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip()
        for table in tables(slide):
            assert len(table.rows) >= 2  # never an empty table
    figures = [s for s, spec in zip(slides, deck.slides, strict=True) if spec.kind == "figures"]
    projects = [s for s, spec in zip(slides, deck.slides, strict=True) if spec.kind == "projects"]
    assert len(figures) == 7 and all(tables(s) for s in figures) and all(tables(s) for s in projects)
    # The region's key figures break down by department: all six, none sent to the notes.
    breakdown = next(t for t in tables(figures[0]) if t.cell(0, 0).text == "Département")
    assert [breakdown.cell(i, 0).text[-3:-1] for i in range(1, len(breakdown.rows))] == list(PACA)
    assert "autre(s) : voir les notes" not in texts(figures[0])
    every = "\n".join(texts(s) for s in slides)
    for word in ("Réalisé", "En cours", "Non renseigné", "Densité de médecins généralistes libéraux"):
        assert word in every
    # As many project rows as the definitions count, each once.
    rows = sum(len(table.rows) - 1 for s in projects for table in tables(s))
    summary = summarize(data.projects, data.proposals, data.meetings, departments=list(PACA), regions=["93"])
    assert rows == summary.projects == 41
    map_notes = [s.notes_slide.notes_text_frame.text for s, spec in zip(slides, deck.slides, strict=True)
                 if spec.kind == "map"]  # fmt: skip
    assert all("Sources de la carte" in n and "Carte produite le 23 novembre 2026" in n for n in map_notes)
    assert "Brochure ARS PACA « Innover pour notre santé », 2023" in texts(slides[-1])
    assert "CNR santé 2022–2023 · cnrmap · 23 novembre 2026 · 1/" in texts(slides[0])


def test_department_deck_without_project_says_so(offline):
    settings, data = offline
    deck = build_deck(MapState(territory="departement:34"), settings, data, date=DATE, renderer=fake_renderer([]))
    assert [s.kind for s in deck.slides] == ["title", "map", "figures", "message", "sources"]
    slides = list(Presentation(io.BytesIO(deck.data)).slides)
    assert title_of(slides[3]) == "Hérault (34) : projets du CNR santé"
    assert NO_PROJECT in texts(slides[3]) and not tables(slides[3])
    assert "propositions formulées pour le département" in texts(slides[2])  # Hérault has its synthesis
    assert "tenu : Réunion départementale, Montpellier, 24 novembre 2022" in texts(slides[2])


def test_filters_and_date_are_on_every_slide(offline):
    settings, data = offline
    state = MapState(territory="departement:83", theme="soins_non_programmes", as_of="2023-06-01")
    deck = build_deck(state, settings, data, date=DATE, renderer=fake_renderer([]))
    slides = list(Presentation(io.BytesIO(deck.data)).slides)
    for slide in slides[1:]:
        text = texts(slide)
        assert "État au 1er juin 2023" in text and "Thème : Soins non programmés" in text
    assert "Filtres : Thème : Soins non programmés" in texts(slides[0])


# --- the command ------------------------------------------------------------------------------------------


def _with_deck_command(monkeypatch):
    if "cnrmap.cli.deck" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "cnrmap.cli.deck"))


def test_cli_missing_chromium_is_the_png_exports_french_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(browser.ENV_EXECUTABLE, str(tmp_path / "pas-de-chromium"))
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    _with_deck_command(monkeypatch)
    assert cli.main(["deck", "--territory", "departement:04", "--out", str(tmp_path / "d.pptx")]) == 1
    err = capsys.readouterr().err
    assert "Navigateur introuvable" in err and "apt-get install chromium" in err and "Traceback" not in err
    assert not (tmp_path / "d.pptx").exists()
    assert cli.main(["deck", "--territory", "departement:04", "--out", str(tmp_path / "d.ppt")]) == 1
    assert "finit par .pptx" in capsys.readouterr().err


def test_cli_help_lists_deck():
    assert "    deck " in cli.build_parser().format_help()


# --- with Chromium ----------------------------------------------------------------------------------------

try:  # Pillow reads the images back; it is not a dependency of cnrmap.
    from PIL import Image, ImageStat
except ImportError:  # pragma: no cover
    Image = ImageStat = None


@pytest.mark.browser
@pytest.mark.skipif(Image is None, reason="Pillow (dev) lit les images produites")
def test_cli_region_deck_has_the_export_images(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    _with_deck_command(monkeypatch)
    out = tmp_path / "paca.pptx"
    assert cli.main(["deck", "--territory", "region:93", "--theme", "acces_medecin", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Présentation écrite" in printed and "Image 7/7 : Vaucluse (84)." in printed
    slides = list(Presentation(str(out)).slides)
    maps = [s for s in slides if pictures(s)]
    assert len(maps) == 7 and all(len(pictures(s)) == 1 for s in maps)
    for slide in maps:
        image = Image.open(io.BytesIO(pictures(slide)[0].image.blob)).convert("L")
        assert image.size == (1920, 1080) and ImageStat.Stat(image).var[0] > 200
        assert "Thème : Accès au médecin traitant" in texts(slide)
    assert all(slide.notes_slide.notes_text_frame.text for slide in slides)


@pytest.mark.browser
def test_cli_department_deck_without_project(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    _with_deck_command(monkeypatch)
    out = tmp_path / "herault.pptx"
    assert cli.main(["deck", "--territory", "departement:34", "--out", str(out)]) == 0
    slides = list(Presentation(str(out)).slides)
    assert len(slides) == 5 and len(pictures(slides[1])) == 1
    assert NO_PROJECT in texts(slides[3]) and not tables(slides[3])
    assert "5 diapositives dont 1 carte(s)" in capsys.readouterr().out
