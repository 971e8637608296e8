"""Insets (overseas departments, Paris), place names and their collision rule, the offline base, the state."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from map_fixtures import departments as fixture_departments
from map_fixtures import meetings, projects, proposals
from shapely.geometry import box

from cnrmap.carte import decor
from cnrmap.carte.compose import ViewInputs, compose_view
from cnrmap.carte.selection import select
from cnrmap.carte.state import MapState
from cnrmap.carte.values import ViewValues
from cnrmap.config import get_settings
from cnrmap.curated.load import CnrData
from cnrmap.geo import insets, labels
from cnrmap.geo.basemap import base_land
from cnrmap.geo.labels import Label, overlap_zooms, place_labels, text_box
from cnrmap.indicators.spec import IndicatorData

# --- insets --------------------------------------------------------------------------------------------


def test_cartiflette_parameters_are_the_published_ones():
    """Scales and anchors come from cartiflette's mapshaper_closer.py (EPSG:3857 boxes, scale about their centre)."""
    by_key = {i.key: i for i in insets.OVERSEAS}
    assert [i.key for i in insets.OVERSEAS] == ["971", "972", "973", "974", "976"]
    assert {k: i.scale for k, i in by_key.items()} == {"971": 1.5, "972": 1.5, "973": 0.35, "974": 1.5, "976": 1.5}
    assert by_key["971"].anchor == pytest.approx(((-6880639.76 - 6790707.02) / 2, (1785277.73 + 1864381.51) / 2))
    assert insets.PARIS.scale == 4 and insets.PARIS.departments == ("75", "92", "93", "94")


@pytest.mark.parametrize("inset", [*insets.OVERSEAS, insets.PARIS], ids=lambda i: i.key)
def test_transform_round_trips_and_lands_in_the_frame(inset):
    lon, lat = insets.to_degrees(*[np.array([v]) for v in inset.anchor])
    real = shapely.Point(float(lon[0]), float(lat[0])).buffer(0.05)
    moved = insets.transform_geometries(np.array([real], dtype=object), inset, 6)[0]
    assert insets.frame_polygon(inset).contains(moved)
    back = insets.transform_geometries(np.array([moved], dtype=object), inset, 6, inverse=True)[0]
    assert shapely.hausdorff_distance(back, real) < 1e-5
    assert inset.window().contains(real)
    # A point drawn in the frame reads back as its real place.
    centre = moved.centroid
    assert insets.real_position(centre.x, centre.y, [inset]) == pytest.approx(
        (real.centroid.x, real.centroid.y), abs=1e-4
    )


def test_moving_the_same_shapes_again_gives_the_same_objects():
    """A rerun moves the very same overseas shapes: it gets the shapes it moved before (the layers made of them are
    then found by identity), and new shapes of the same content are moved alike."""
    guadeloupe = insets.OVERSEAS[0]
    shapes = np.array([box(-61.8, 16.0, -61.6, 16.2), None, box(-61.5, 16.3, -61.3, 16.5)], dtype=object)
    first = insets.transform_geometries(shapes, guadeloupe, 3)
    again = insets.transform_geometries(shapes.copy(), guadeloupe, 3)
    assert all(a is b for a, b in zip(first, again, strict=True))
    fresh = insets.transform_geometries(
        np.array([box(-61.8, 16.0, -61.6, 16.2), None, box(-61.5, 16.3, -61.3, 16.5)], dtype=object), guadeloupe, 3
    )
    assert first[1] is None and all(a is None or a.equals(b) for a, b in zip(first, fresh, strict=True))
    other = insets.transform_geometries(shapes, guadeloupe, 4)
    assert other[0] is not first[0]


def test_department_points_are_remembered_by_shapes_and_codes():
    deps = fixture_departments()
    first = decor.department_points(deps)
    assert first == {c: labels.label_point(g) for c, g in zip(deps["code"], deps.geometry, strict=True)}
    assert decor.department_points(deps.copy()) is first  # a rerun: same shapes, same codes
    moved = deps.assign(geometry=deps.geometry.translate(1, 0))
    assert decor.department_points(moved) != first
    renamed = deps.assign(code=[f"x{c}" for c in deps["code"]])
    assert set(decor.department_points(renamed)) == {f"x{c}" for c in deps["code"]}


def test_frames_do_not_overlap_each_other_nor_mainland_france():
    frames = [insets.frame_polygon(i) for i in (*insets.OVERSEAS, insets.PARIS)]
    for a, b in itertools.combinations(frames, 2):
        assert not a.intersects(b)
    mainland = box(-4.8, 42.3, 8.2, 51.1)  # continental France's extent (Corsica aside)
    for frame in frames[:-1]:
        assert not frame.intersects(mainland)


def _france() -> gpd.GeoDataFrame:
    """The fixture's four squares near Marseille, plus Guadeloupe, Réunion and Paris at their real places."""
    extra = [
        {"code": "971", "name": "Guadeloupe", "region_code": "01", "geometry": box(-61.8, 15.9, -61.2, 16.5)},
        {"code": "974", "name": "La Réunion", "region_code": "04", "geometry": box(55.2, -21.4, 55.8, -20.9)},
        {"code": "75", "name": "Paris", "region_code": "11", "geometry": box(2.25, 48.82, 2.42, 48.9)},
    ]
    deps = fixture_departments()
    return gpd.GeoDataFrame(pd.concat([deps, gpd.GeoDataFrame(extra, crs=deps.crs)], ignore_index=True), crs=deps.crs)


def _density(codes, values) -> IndicatorData:
    return IndicatorData(
        id="densite_mg", label="Densité", kind="numeric", level="departement",
        values=pd.DataFrame({"code": codes, "value": values}), unit="pour 100 000 habitants", vintage="2024",
        source="CNAM",
    )  # fmt: skip


def _compose(state: MapState, deps: gpd.GeoDataFrame, indicator: IndicatorData, **kwargs):
    data = CnrData(projects(), proposals(), meetings(), pd.DataFrame())
    inputs = ViewInputs(departments=deps, values=ViewValues(indicator), **kwargs)
    return compose_view(state, inputs, select(state, data, deps))


def test_france_map_draws_overseas_in_insets_with_their_real_codes():
    deps = _france()
    codes = list(deps["code"])
    # Mayotte-like low value overseas: it sets the first class because overseas territories are shown.
    indicator = _density(codes, [95.4, 80.1, 70.0, 88.0, 9.7, 60.0, 110.0])
    view = _compose(MapState(fixed_breaks=False, basemap="aucun"), deps, indicator)
    assert view.insets == ("971", "974", "idf")
    assert view.breaks[0] == 9.7
    # The table has each territory once, with its real code; the shapes for exports are at the real place.
    assert sorted(view.table["code"]) == sorted(codes)
    real = view.shapes.set_index("code").geometry
    assert real["971"].bounds[0] < -61
    html = view.map.get_root().render()
    assert "Guadeloupe" in html and "Paris et petite couronne" in html
    # Overseas shapes are drawn inside their frames: their real coordinates are not in the page.
    assert "-61.8" not in html


def test_points_of_overseas_departments_move_with_them():
    rows = projects().iloc[[0]].assign(department_code="971", lat=16.24, lon=-61.53)
    moved = insets.relocate_points(rows)
    guadeloupe = insets.frame_polygon(insets.OVERSEAS[0])
    assert guadeloupe.contains(shapely.Point(moved["lon"].iloc[0], moved["lat"].iloc[0]))
    assert insets.real_position(moved["lon"].iloc[0], moved["lat"].iloc[0]) == pytest.approx((-61.53, 16.24), abs=1e-3)


def test_an_overseas_department_alone_is_drawn_at_its_real_place():
    deps = _france()
    view = _compose(MapState(territory="departement:971", basemap="aucun"), deps, _density(["971"], [50.0]))
    assert view.insets == ()
    assert "-61.8" in view.map.get_root().render()


# --- labels --------------------------------------------------------------------------------------------


def _screen_boxes(placed: list[Label], zoom: float) -> list[tuple[float, float, float, float]]:
    x, y = labels._world(placed)
    out = []
    for label, px, py in zip(placed, x * 2**zoom, y * 2**zoom, strict=True):
        w, h = text_box(label)
        cx, cy = px + label.offset[0], py + label.offset[1]
        out.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return out


def test_shown_labels_never_overlap_at_any_zoom():
    rng = np.random.default_rng(3)
    candidates = [
        Label(f"Commune {i}", 5 + rng.uniform(0, 1.5), 43 + rng.uniform(0, 1), float(rng.uniform(0, 1000)))
        for i in range(80)
    ] + [labels.obstacle(5.5, 43.5, 24)]
    placed = place_labels(candidates)
    assert placed[0].kind == "obstacle" and placed[0].min_zoom == 0  # symbols first, always shown
    for zoom in np.arange(5, 14, 0.25):
        shown = [lb for lb in placed if lb.min_zoom <= zoom]
        for a, b in itertools.combinations(_screen_boxes(shown, zoom), 2):
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    # Zooming in shows more names.
    assert sum(lb.min_zoom <= 7 for lb in placed) < sum(lb.min_zoom <= 10 for lb in placed)


def test_higher_priority_wins_and_a_name_moves_off_a_symbol():
    big, small = Label("Marseille", 5.37, 43.30, 870000), Label("Allauch", 5.372, 43.301, 21000)
    placed = {lb.text: lb for lb in place_labels([small, big])}
    assert placed["Marseille"].min_zoom == 0 and placed["Marseille"].offset == (0.0, 0.0)
    assert placed["Allauch"].offset != (0.0, 0.0)
    both = place_labels([Label("Marseille", 5.37, 43.3, 1), labels.obstacle(5.37, 43.3, 32)])
    (name,) = [lb for lb in both if lb.kind != "obstacle"]
    assert name.min_zoom == 0 and name.offset != (0.0, 0.0)


def test_overlap_zooms_is_exact():
    # Two 20 px wide boxes whose centres are 1 px apart at zoom 0: apart from 2^z >= 20 + margin.
    span = overlap_zooms(1.0, 0.0, (0.0, 0.0), (20.0, 10.0))
    assert span == (-math.inf, pytest.approx(math.log2(20)))
    assert overlap_zooms(0.0, 0.0, (0.0, 30.0), (20.0, 10.0)) is None


def _overlap_end_reference(dx, dy, shift, box_a, box_b, symbol_a, symbol_b):
    """The zoom up to which two labels overlap, range by range with the scalar overlap_zooms (None: never)."""
    scales = labels.SYMBOL_SCALES if symbol_a or symbol_b else ((-math.inf, 1.0),)
    end = None
    for k, (start, factor) in enumerate(scales):
        stop = scales[k + 1][0] if k + 1 < len(scales) else math.inf
        fa, fb = (factor if symbol_a else 1.0), (factor if symbol_b else 1.0)
        reach = (
            (box_a[0] * fa + box_b[0] * fb) / 2 + labels.MARGIN_PX,
            (box_a[1] * fa + box_b[1] * fb) / 2 + labels.MARGIN_PX,
        )
        span = overlap_zooms(dx, dy, shift, reach)
        if span is not None and span[1] > start and span[0] < stop:
            end = min(span[1], stop)
    return end


def test_overlap_ends_agree_with_the_scalar_formula_range_by_range():
    rng = np.random.default_rng(7)
    for _ in range(300):
        k, o = rng.integers(1, 6), rng.integers(1, 4)
        dx, dy = rng.choice([0.0, 0.01, 0.3, -0.2, 2.0], k), rng.choice([0.0, 0.05, -0.4, 1.0], k)
        shifts = rng.choice([0.0, 4.0, -12.0, 30.0], (o, k, 2))
        boxes, box = rng.uniform(5, 80, (k, 2)), rng.uniform(5, 80, 2)
        symbols, symbol = rng.random(k) < 0.4, bool(rng.random() < 0.3)
        ends = labels.overlap_ends(dx, dy, shifts, boxes, symbols, box, symbol)
        for a in range(o):
            for b in range(k):
                expected = _overlap_end_reference(dx[b], dy[b], tuple(shifts[a, b]), boxes[b], box, symbols[b], symbol)
                assert ends[a, b] == (-math.inf if expected is None else pytest.approx(expected))


def test_prefectures_table_names_every_department_once():
    table = labels.load_prefectures(get_settings())
    assert len(table) == 101 and table["department_code"].is_unique
    marseille = table.set_index("department_code").loc["13"]
    assert marseille["name"] == "Marseille" and marseille["population"] > 800_000
    assert (table["source"].str.len() > 0).all()


# --- offline base --------------------------------------------------------------------------------------


def test_offline_base_is_small_and_moves_the_land_around_the_insets():
    path = get_settings().embedded_geo_dir / "basemap.json"
    assert path.stat().st_size < 300_000
    plain = base_land(get_settings())
    with_insets = base_land(get_settings(), insets.OVERSEAS)
    assert "Natural Earth" in plain.source
    assert len(with_insets.france) > len(plain.france) and any(plain.france) and not all(plain.france)


@pytest.mark.parametrize(
    ("raw", "expected"), [("0", "aucun"), ("1", "osm"), ("clair", "clair"), ("osm", "osm"), ("AUCUN", "aucun")]
)
def test_basemap_url_values_old_and_new(raw, expected):
    state, warnings = MapState.from_query_params({"basemap": raw})
    assert warnings == [] and state.basemap == expected
    assert MapState().basemap == "clair" and "basemap" not in MapState().to_query_params()


def test_searched_place_is_outlined_labelled_and_zoomed_to():
    from map_fixtures import communes

    state = MapState(territory="departement:13", level="commune", place="13002", basemap="aucun")
    indicator = IndicatorData(
        id="x", label="X", kind="numeric", level="commune",
        values=pd.DataFrame({"code": communes()["code"], "value": range(16)}),
    )  # fmt: skip
    view = _compose(state, fixture_departments(), indicator, communes=communes())
    place = [lb for lb in view.labels if lb.kind == "place"]
    assert [lb.text for lb in place] == ["Commune 13-2"] and place[0].min_zoom == 0
    html = view.map.get_root().render()
    assert "Lieu recherch" in html and '"weight": 3.0' in html
    fit = html.split(".fitBounds(")[1].split(")")[0]
    assert "[[42.25, 3.75], [44.25, 5.75]]" in fit  # the commune's box (4.5–5.0 × 43–43.5), padded


def test_map_script_as_streamlit_folium_sends_it_is_valid_javascript(tmp_path):
    """Template escapes that go wrong break the whole map: the script must parse (checked with Node)."""
    import shutil
    import subprocess

    import streamlit_folium

    node = shutil.which("node")
    deps = _france()
    indicator = _density(list(deps["code"]), [95.4, 80.1, 70.0, 88.0, 9.7, 60.0, 110.0])
    view = _compose(MapState(layers=("projets", "reunions", "limites", "noms", "codes")), deps, indicator,
                    prefectures=labels.load_prefectures(get_settings()), land=base_land(get_settings()))  # fmt: skip
    m = view.fresh_map()
    m.render()
    script = tmp_path / "carte.js"
    script.write_text(streamlit_folium.generate_leaflet_string(m), encoding="utf-8")
    text = script.read_text(encoding="utf-8")
    assert "cnrmap-symbol-inner" in text
    if node is None:  # without Node.js: the failure seen once (a quote of HTML closing a JS string), and balance
        assert '"<div class="' not in text and text.count("{") == text.count("}")
        return
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[:500]


def test_placement_is_remembered_by_content(monkeypatch):
    from cnrmap.geo import labels as labels_module

    names = [Label("Marseille", 5.37, 43.30, 8.0e5), Label("Aix-en-Provence", 5.45, 43.53, 1.4e5)]
    first = labels_module.place_labels([*names, labels_module.obstacle(5.40, 43.35, 12.0)])
    first.clear()  # a caller changing its list does not change what is remembered
    monkeypatch.setattr(labels_module, "_placed", lambda *a: pytest.fail("placed again"))
    again = labels_module.place_labels([*names, labels_module.obstacle(5.40, 43.35, 12.0)])
    assert [lb.text for lb in again] == ["", "Marseille", "Aix-en-Provence"]
    monkeypatch.undo()
    moved = labels_module.place_labels([*names, labels_module.obstacle(5.45, 43.53, 12.0)])  # another symbol
    assert moved != again
