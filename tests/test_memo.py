"""The bounded memo: LRU by count and by estimated bytes, one computation per key across threads."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from threads import wait_until

from cnrmap import memo as memo_module
from cnrmap.memo import GEOMETRY_BYTES_PER_COORDINATE, GEOMETRY_BYTES_PER_PART, Memo, estimate_bytes, usage
from cnrmap.memory import BUILD_SLOTS, build_slot

# --- count and order ---------------------------------------------------------------------------------------


def test_least_recently_used_goes_first():
    m: Memo[int] = Memo(2)
    m.put("a", 1)
    m.put("b", 2)
    assert m.get("a") == 1  # "a" is now the most recent
    m.put("c", 3)
    assert "b" not in m and "a" in m and "c" in m
    assert len(m) == 2


def test_keep_decides_whether_a_result_is_stored():
    m: Memo[int] = Memo(4)
    assert m.get_or_compute("x", lambda: 5, keep=lambda v: v > 10) == 5
    assert "x" not in m
    assert m.get_or_compute("y", lambda: 50, keep=lambda v: v > 10) == 50
    assert m.get("y") == 50


def test_invalid_sizes_are_refused():
    with pytest.raises(ValueError, match="0"):
        Memo(0)
    with pytest.raises(ValueError, match="-1"):
        Memo(3, budget=-1)


# --- byte budget -------------------------------------------------------------------------------------------


def test_budget_drops_least_recent_entries_until_the_weight_fits():
    m: Memo[bytes] = Memo(100, "test", budget=1000, weigh=len)
    m.put("a", b"x" * 400)
    m.put("b", b"x" * 400)
    assert m.weight == 800
    m.get("a")
    m.put("c", b"x" * 300)  # 1100 > 1000: "b", the least recently used, goes
    assert "b" not in m and "a" in m and "c" in m
    assert m.weight == 700


def test_an_entry_heavier_than_the_whole_budget_is_returned_but_not_kept():
    m: Memo[bytes] = Memo(10, budget=100, weigh=len)
    m.put("small", b"x" * 50)
    big = b"x" * 500
    assert m.get_or_compute("big", lambda: big) is big
    assert "big" not in m and "small" in m
    assert m.weight == 50


def test_replacing_a_key_replaces_its_weight_and_clear_empties():
    m: Memo[bytes] = Memo(10, budget=1000, weigh=len)
    m.put("a", b"x" * 600)
    m.put("a", b"x" * 100)
    assert m.weight == 100 and len(m) == 1
    m.clear()
    assert m.weight == 0 and len(m) == 0


def test_without_a_budget_entries_are_not_weighed():
    calls = []
    m: Memo[int] = Memo(2, weigh=lambda v: calls.append(v) or 1)
    m.put("a", 1)
    assert calls == [] and m.weight == 0


def test_usage_lists_memos_with_their_weight_and_budget():
    m: Memo[bytes] = Memo(3, "mémo de test", budget=10_000, weigh=len)
    m.put("a", b"x" * 1234)
    assert ("mémo de test", 1, 1234, 10_000) in usage()


def test_every_shared_memo_of_the_library_has_a_byte_budget():
    import cnrmap.carte.compose  # noqa: F401  (imports every module holding a memo of the map pipeline)

    library = [row for row in usage() if row[0] and not row[0].startswith(("test", "mémo de test"))]
    names = {row[0] for row in library}
    assert {"communes", "main layers", "compact choropleth", "geometry digests", "encoded coverages"} <= names
    assert all(budget is not None for _, _, _, budget in library), library


# --- one computation per key -------------------------------------------------------------------------------


def test_two_threads_asking_for_the_same_key_compute_it_once():
    m: Memo[object] = Memo(4, "test single flight")
    release = threading.Event()
    calls: list[str] = []
    results: dict[str, object] = {}

    def compute() -> object:
        calls.append(threading.current_thread().name)
        release.wait(10)
        return object()

    def ask(name: str) -> None:
        results[name] = m.get_or_compute("view", compute)

    first = threading.Thread(target=ask, args=("first",), name="first")
    first.start()
    wait_until(lambda: calls == ["first"], "le premier calcul commence")
    second = threading.Thread(target=ask, args=("second",), name="second")
    second.start()
    # The second thread is waiting on the key's lock, inside get_or_compute, while the first computes.
    wait_until(lambda: m._computing["view"][1] == 2, "le second fil attend le résultat du premier")
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["first"]
    assert results["first"] is results["second"]
    assert m._computing == {}  # no lock left behind


def test_different_keys_are_computed_at_the_same_time():
    m: Memo[int] = Memo(4)
    both_inside = threading.Barrier(2, timeout=10)

    def compute() -> int:
        both_inside.wait()  # raises BrokenBarrierError if the other key's computation cannot start meanwhile
        return 1

    errors: list[BaseException] = []

    def ask(key: str) -> None:
        try:
            m.get_or_compute(key, compute)
        except threading.BrokenBarrierError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert "a" in m and "b" in m


def test_a_failed_computation_lets_the_waiting_thread_compute():
    m: Memo[str] = Memo(4)
    started, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def failing() -> str:
        started.set()
        release.wait(10)
        raise RuntimeError("échec")

    def first() -> None:
        try:
            m.get_or_compute("k", failing)
        except RuntimeError:
            outcomes.append("first failed")

    def second() -> None:
        outcomes.append(m.get_or_compute("k", lambda: "second computed"))

    t1 = threading.Thread(target=first)
    t1.start()
    started.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    wait_until(lambda: m._computing["k"][1] == 2, "le second fil attend")
    release.set()
    t1.join(10)
    t2.join(10)
    assert sorted(outcomes) == ["first failed", "second computed"]
    assert m.get("k") == "second computed" and m._computing == {}


# --- the process' build slots ------------------------------------------------------------------------------


def test_build_slots_let_at_most_that_many_builds_run_at_once():
    inside, most = [0], [0]
    lock = threading.Lock()
    n = BUILD_SLOTS + 2
    ready = threading.Barrier(n, timeout=10)

    def build() -> None:
        ready.wait()
        with build_slot():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)  # widen the window in which a second build could enter (not a timed assertion)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=build) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert most[0] == BUILD_SLOTS


# --- weight estimates --------------------------------------------------------------------------------------


def test_estimate_counts_text_and_buffers():
    text = "é" * 10_000
    assert estimate_bytes(text) >= 10_000
    assert estimate_bytes(np.zeros(1000)) >= 8000
    assert estimate_bytes([text, text]) < 2 * estimate_bytes(text)  # the same object counted once


def test_estimate_counts_each_string_once_in_mappings_and_object_arrays():
    names = {f"{i:05d}": f"Commune numéro {i}" for i in range(1000)}
    alone = estimate_bytes(names)
    assert alone >= sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in names.items())
    square = shapely.box(0, 0, 1, 1)
    mixed = np.array([*names.values(), {"nested": "x" * 5000}, square], dtype=object)
    both = estimate_bytes([names, mixed])  # the names again, a nested dict and a geometry: only those two are new
    extra = 5000 + estimate_bytes(square)
    assert alone + mixed.nbytes + extra <= both <= alone + mixed.nbytes + extra + 1000


def test_estimate_counts_geos_memory_of_geometries():
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(100)]  # 5 coordinates each
    expected = 100 * (5 * GEOMETRY_BYTES_PER_COORDINATE + GEOMETRY_BYTES_PER_PART)
    assert estimate_bytes(squares) >= expected
    frame = gpd.GeoDataFrame({"code": [f"{i:05d}" for i in range(100)]}, geometry=squares, crs="EPSG:4326")
    weight = estimate_bytes(frame)
    assert expected <= weight <= expected + 100 * 200 + 10_000
    # A frame and a layer holding the same geometries: counted once.
    assert estimate_bytes([frame, frame.copy()]) < weight + 100 * 200 + 10_000


def test_estimate_follows_dataclasses_and_numeric_frames():
    @dataclass
    class Holder:
        values: pd.DataFrame
        label: str

    holder = Holder(pd.DataFrame({"value": np.arange(10_000, dtype=float)}), "x")
    assert estimate_bytes(holder) >= 80_000


def test_estimate_does_not_follow_modules_or_classes():
    assert estimate_bytes({"module": memo_module, "class": Memo}) < 1000


# --- memos of the map pipeline keep nothing alive -----------------------------------------------------------


def test_geometry_digests_are_remembered_without_keeping_the_shapes_alive():
    import gc
    import weakref

    from cnrmap.geo import topology

    shapes = np.array([shapely.box(i, 0, i + 1, 1) for i in range(50)], dtype=object)
    digest = topology.fingerprint(shapes)
    assert topology.fingerprint(shapes.copy()) == digest  # the same objects: remembered
    assert topology.fingerprint(np.array([shapely.box(i, 0, i + 1, 1) for i in range(50)])) == digest  # same WKB
    probe = weakref.ref(shapes[0])
    del shapes
    gc.collect()
    assert probe() is None


def test_commune_names_do_not_keep_the_layer_alive():
    import gc
    import weakref

    from cnrmap.geo.shapes import commune_names

    layer = gpd.GeoDataFrame({"code": ["13055"], "name": ["Marseille"]}, geometry=[shapely.box(0, 0, 1, 1)])
    assert commune_names(layer) == {"13055": "Marseille"}
    assert commune_names(layer) is commune_names(layer)  # remembered
    probe = weakref.ref(layer)
    del layer
    gc.collect()
    assert probe() is None
