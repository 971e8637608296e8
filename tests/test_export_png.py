"""Image export: sizes, layout texts (no browser), then real renders with headless Chromium (``browser``)."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

import pandas as pd
import pytest

from cnrmap import cli
from cnrmap.carte.compose import ViewResult
from cnrmap.carte.state import MapState
from cnrmap.curated.definitions import as_of_phrase
from cnrmap.errors import DataError
from cnrmap.export import browser
from cnrmap.export import png as export_png
from cnrmap.indicators.spec import IndicatorData

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests import map_fixtures
except ModuleNotFoundError:
    import map_fixtures

DENSITY = pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [95.4, 80.1, 70.0, 88.0]})
FRANCE = pd.DataFrame({"code": [f"{i:02d}" for i in range(1, 11)], "value": [10.0 * i for i in range(1, 11)]})
DATE = dt.date(2026, 11, 23)


def compose(state: MapState) -> ViewResult:
    indicator = IndicatorData(
        id="densite_mg", label="Densité de médecins généralistes", kind="numeric", level="departement",
        values=DENSITY, unit="pour 100 000 habitants", vintage="2024", source="CNAM", france_values=FRANCE,
    )  # fmt: skip
    return map_fixtures.compose(state, indicator, boundaries=("Contours de test. Conseil.",))


# --- without a browser -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16:9", (1920, 1080, Fraction(3, 2), 1280, 720)),
        ("a4", (3508, 2480, Fraction(2), 1754, 1240)),
        ("1920x1080", (1920, 1080, Fraction(3, 2), 1280, 720)),
        ("3840×2160", (3840, 2160, Fraction(3), 1280, 720)),
        ("1001x701", (1001, 701, Fraction(1), 1001, 701)),
    ],
)
def test_parse_size(text, expected):
    size = export_png.parse_size(text)
    assert (size.width, size.height, size.scale, size.css_width, size.css_height) == expected


@pytest.mark.parametrize("text", ["grand", "10x10", "20000x1000", "16/9"])
def test_bad_size_is_a_french_error_quoting_it(text):
    with pytest.raises(DataError, match="Taille d'image invalide"):
        export_png.parse_size(text)


def test_default_title_and_texts():
    result = compose(MapState(territory="departement:13", level="commune", theme="prevention", basemap="osm"))
    assert export_png.default_title(result, "Bouches-du-Rhône") == (
        "Densité de médecins généralistes (2024) — Bouches-du-Rhône, par commune"
    )
    # The projects' date comes first (today when the state has none), then the filters.
    assert export_png.filters_line(result) == f"{as_of_phrase(dt.date.today())} · Thème : Prévention"
    dated = compose(MapState(territory="departement:13", theme="prevention", as_of="2023-11-08"))
    assert export_png.filters_line(dated) == "État au 8 novembre 2023 · Thème : Prévention"
    sources = export_png.source_lines(result)
    assert sources[0] == "Densité de médecins généralistes : CNAM (2024)"
    assert "Contours de test" in sources and export_png.BASEMAP_SOURCE in sources
    assert export_png.production_line(DATE) == "Carte produite le 23 novembre 2026 avec cnrmap"


def test_layout_html_escapes_and_hides_controls():
    result = compose(MapState(territory="region:93", basemap="aucun"))
    page = export_png.view_layout_html(result, "Titre <b>& co</b>", DATE)
    assert '<h1 id="cnr-title">Titre &lt;b&gt;&amp; co&lt;/b&gt;</h1>' in page
    assert ".leaflet-control-zoom, .leaflet-control-layers" in page
    assert "Carte produite le 23 novembre 2026 avec cnrmap" in page
    assert page.count('class="cnr-legend"') == len(result.legends) == 2
    assert ".options.zoomSnap = 0; map_" in page and '{"padding": [16, 16]}' in page  # fill the frame
    with pytest.raises(DataError):
        export_png.layout_html("<html></html>", title="x")


def test_missing_browser_is_a_french_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(browser.ENV_EXECUTABLE, str(tmp_path / "pas-de-chromium"))
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    if "cnrmap.cli.export" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "cnrmap.cli.export"))
    assert cli.main(["export", "--territory", "departement:13", "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert "Navigateur introuvable" in err and "apt-get install chromium" in err and "pip install playwright" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
    with pytest.raises(browser.BrowserUnavailable), browser.launch():
        pass


# --- with Chromium -----------------------------------------------------------------------------------

try:  # Pillow reads the images back; it is not a dependency of cnrmap.
    from PIL import Image, ImageStat
except ImportError:  # pragma: no cover
    Image = ImageStat = None
needs_pillow = pytest.mark.skipif(Image is None, reason="Pillow (dev) lit les images produites")


@pytest.fixture(scope="module")
def chromium():
    with browser.launch() as started:
        yield started


def _image(data: bytes):
    return Image.open(io.BytesIO(data)).convert("RGB")


def _variance(img) -> float:
    return ImageStat.Stat(img.convert("L")).var[0]


@pytest.mark.browser
@needs_pillow
def test_png_has_the_size_a_title_legends_and_a_map(chromium):
    result = compose(MapState(territory="region:93", basemap="aucun"))
    png = export_png.render_png(result, size="16:9", title="Ma carte pour le COPIL", date=DATE, browser=chromium)
    assert (png.width, png.height) == (1920, 1080)
    img = _image(png.data)
    assert img.size == (1920, 1080)
    assert _variance(img) > 200  # not blank
    assert png.title == "Ma carte pour le COPIL" and png.blocked_requests == []
    # Layout at 1280×720 CSS px, scale 1.5: legends in the right column, map on the left.
    map_box = img.crop((int(0.10 * 1920), int(0.25 * 1080), int(0.60 * 1920), int(0.75 * 1080)))
    legend_box = img.crop((int(0.76 * 1920), int(0.12 * 1080), int(0.97 * 1920), int(0.30 * 1080)))
    assert _variance(map_box) > 200 and _variance(legend_box) > 200
    map_colours = set(map_box.resize((64, 64)).getdata())
    legend_colours = set(legend_box.resize((64, 64)).getdata())
    assert ImageStat.Stat(map_box).mean != pytest.approx(ImageStat.Stat(legend_box).mean, abs=10)
    assert len(map_colours ^ legend_colours) > 100


@pytest.mark.browser
@needs_pillow
def test_title_is_checked_in_the_page_and_requests_are_blocked(chromium):
    result = compose(MapState(territory="region:93", basemap="aucun"))
    page = export_png.view_layout_html(result, "Titre A", DATE)
    size = export_png.parse_size("1280x720")
    with pytest.raises(DataError, match="Titre B"):
        export_png.capture(chromium, page, size, title="Titre B")
    leaky = page.replace("</footer>", '<img src="http://127.0.0.1:9/espion.png"></footer>')
    png = export_png.capture(chromium, leaky, size, title="Titre A")
    assert png.blocked_requests == ["http://127.0.0.1:9/espion.png"]
    assert export_png.png_size(png.data) == (1280, 720)


@pytest.mark.browser
@needs_pillow
def test_basemap_without_network_warns_and_goes_on(chromium):
    result = compose(MapState(territory="region:93", basemap="osm"))
    png = export_png.render_png(result, size="16:9", browser=chromium)
    assert (png.width, png.height) == (1920, 1080)
    assert any("Fond de carte incomplet" in w for w in png.warnings)
    assert _variance(_image(png.data)) > 200


@pytest.mark.browser
@needs_pillow
def test_cli_one_png_per_department(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    if "cnrmap.cli.export" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "cnrmap.cli.export"))
    argv = ["export", "--out", str(tmp_path / "carte-{territoire}.png"), "--size", "1920x1080"]
    for code in ("04", "05", "13"):
        argv += ["--territory", f"departement:{code}"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    for code, name in (("04", "Alpes-de-Haute-Provence"), ("05", "Hautes-Alpes"), ("13", "Bouches-du-Rhône")):
        img = _image((tmp_path / f"carte-departement-{code}.png").read_bytes())
        assert img.size == (1920, 1080) and _variance(img) > 200
        assert f"{name} ({code}), par département" in out
    assert out.count("Image écrite") == 3
