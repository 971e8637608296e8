"""Breaks, classes and palettes on known data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from cnrmap.carte import classify
from cnrmap.french import format_number
from cnrmap.leaflet.legend import MISSING_COLOUR

TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_quantile_breaks_on_known_data():
    assert classify.compute_breaks(TEN, "quantiles", 5) == pytest.approx([1, 2.8, 4.6, 6.4, 8.2, 10])


def test_equal_interval_breaks_on_known_data():
    assert classify.compute_breaks([0, 10, 20, 100], "equal", 4) == pytest.approx([0, 25, 50, 75, 100])


def test_jenks_finds_the_obvious_groups():
    values = [1, 2, 3, 50, 51, 52, 100, 101, 102]
    assert classify.compute_breaks(values, "jenks", 3) == pytest.approx([1, 3, 52, 102])


def test_nan_and_none_are_ignored():
    with_gaps = [*TEN, np.nan, None, float("nan")]
    for method in classify.METHODS:
        assert classify.compute_breaks(with_gaps, method, 5) == classify.compute_breaks(TEN, method, 5)


def test_fewer_distinct_values_than_classes():
    assert classify.compute_breaks([3, 3, 3], "quantiles", 5) == [3, 3]
    breaks = classify.compute_breaks([1, 1, 2, 2], "jenks", 5)
    assert breaks == [1, 1, 2]
    assert classify.assign_classes([1, 2, 1], breaks).tolist() == [0, 1, 0]
    assert classify.compute_breaks([], "equal", 3) == []
    assert classify.compute_breaks([np.nan], "equal", 3) == []


def test_many_ties_at_minimum_keep_a_class_of_their_own():
    breaks = classify.compute_breaks([0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7], "quantiles", 4)
    assert breaks[0] == breaks[1] == 0
    assert all(b < a for b, a in itertools.pairwise(breaks[1:]))


def test_breaks_are_increasing_and_cover_the_range():
    rng = np.random.default_rng(1)
    values = rng.gamma(2.0, 30.0, 300)
    for method in classify.METHODS:
        breaks = classify.compute_breaks(values, method, 6)
        assert breaks[0] == pytest.approx(values.min())
        assert breaks[-1] == pytest.approx(values.max())
        assert all(b < a for b, a in itertools.pairwise(breaks))


def test_jenks_on_many_values_is_deterministic():
    values = np.random.default_rng(2).gamma(2.0, 30.0, 1000)
    assert classify.compute_breaks(values, "jenks", 5) == classify.compute_breaks(values, "jenks", 5)


def test_bad_arguments_quote_the_value():
    with pytest.raises(ValueError, match="'kmeans'"):
        classify.compute_breaks(TEN, "kmeans", 5)
    with pytest.raises(ValueError, match="12"):
        classify.compute_breaks(TEN, "quantiles", 12)


def test_assign_classes_missing_is_na_never_zero():
    breaks = [0.0, 10.0, 20.0, 30.0]
    series = pd.Series([0.0, 10.0, 10.5, 30.0, np.nan, None, 45.0, -3.0], index=list("abcdefgh"))
    classes = classify.assign_classes(series, breaks)
    assert str(classes.dtype) == "Int64"
    assert list(classes.index) == list("abcdefgh")
    assert classes.iloc[:4].tolist() == [0, 0, 1, 2]
    assert classes.iloc[4] is pd.NA and classes.iloc[5] is pd.NA
    # Outside fixed breaks: clipped to the first/last class.
    assert classes.iloc[6] == 2 and classes.iloc[7] == 0


def test_assign_classes_without_breaks():
    assert classify.assign_classes([1.0, 2.0], []).isna().all()


def test_palettes_named_in_french_and_sampled():
    assert set(classify.PALETTES) == {"viridis", "cividis", "YlGnBu", "YlOrRd", "PuBu"}
    for name in classify.PALETTES:
        for n in range(2, 10):
            colours = classify.palette_colours(name, n)
            assert len(colours) == n == len(set(colours))
            assert all(c.startswith("#") and len(c) == 7 for c in colours)
    with pytest.raises(ValueError, match="'rainbow'"):
        classify.palette_colours("rainbow", 5)


def test_sequential_palettes_get_darker():
    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for name in classify.PALETTES:
        lum = [luminance(c) for c in classify.palette_colours(name, 7)]
        assert lum == sorted(lum, reverse=True), name


def test_zoning_colours_distinct_from_missing_grey():
    colours = classify.category_colours(["ZIP", "ZAC", "ZAR", "HZ", "ND"])
    assert len(set(colours.values())) == 5
    assert MISSING_COLOUR not in colours.values()
    assert classify.category_colours(["a", "b"]) == {"a": "#0072b2", "b": "#e69f00"}


def test_french_labels():
    assert format_number(1234.5, 1) == "1\u202f234,5"
    assert format_number(float("nan")) == "—"
    assert classify.class_labels([0, 12.5, 20]) == ["0,0 – 12,5", "12,5 – 20,0"]
    assert classify.class_labels([1, 1, 2]) == ["1", "1 – 2"]
    assert classify.class_labels([100, 250, 400]) == ["100 – 250", "250 – 400"]
    assert not math.isnan(classify.compute_breaks([5, 6], "equal", 2)[0])


@pytest.mark.parametrize("method", ["quantiles", "equal"])
@pytest.mark.parametrize("seed", range(6))
def test_numpy_bins_match_mapclassify(method, seed):
    """Quantiles and equal intervals are computed without importing mapclassify: same bounds as mapclassify."""
    import warnings

    import mapclassify

    rng = np.random.default_rng(seed)
    arr = rng.gamma(2.0, 50.0, size=200).round(seed % 3)  # rounding makes ties
    if seed == 5:
        arr[:120] = 0.0
    for k in (2, 5, 7):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = (mapclassify.Quantiles if method == "quantiles" else mapclassify.EqualInterval)(arr, k=k).bins
        np.testing.assert_allclose(classify._class_bounds(arr, method, k), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(40))
def test_fisher_jenks_matches_mapclassify(seed):
    """Fisher-Jenks in numpy gives mapclassify's bounds exactly (float32 sums, same choice among equal costs)."""
    import warnings

    import mapclassify

    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 301))
    kind = seed % 4
    if kind == 0:
        arr = rng.lognormal(size=n)
    elif kind == 1:
        arr = rng.integers(0, 12, size=n).astype(float)  # many ties, as in counts of projects
    elif kind == 2:
        arr = rng.normal(size=n) * 1000
    else:
        arr = rng.gamma(2.0, 50.0, size=n).round(1)
        arr[: n // 2] = 0.0
    k = min(int(rng.integers(2, 10)), np.unique(arr).size)  # compute_breaks needs as many distinct values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = mapclassify.FisherJenks(arr, k=k).bins
    np.testing.assert_array_equal(classify.fisher_jenks(np.sort(arr).astype(float), k), expected)


def test_jenks_does_not_import_mapclassify():
    """80 MB of scipy and scikit-learn in every server process for one classification method: not loaded."""
    import subprocess
    import sys

    code = (
        "import sys; from cnrmap.carte import classify; "
        "classify.compute_breaks(list(range(500)), 'jenks', 5); "
        "print('mapclassify' in sys.modules, 'scipy' in sys.modules)"
    )
    from cnrmap.config import get_settings

    root = get_settings().root  # "python -c" imports cnrmap from this checkout
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert done.stdout.split() == ["False", "False"]
