"""Compact encoding of a polygon coverage for the browser: shared arcs, quantised, delta and varint coded.

A choropleth of every commune of France is mostly borders shared by two communes. Sending each polygon as
GeoJSON repeats every shared border twice, with 15-odd characters per coordinate. Here, as in TopoJSON, each
border ("arc") is sent once and polygons refer to arcs by index; coordinates are integers on the grid the
geometries were rounded to (:data:`cnrmap.geo.simplify.SCALES`), delta coded, and written as variable-length
integers in a 64-character alphabet (about 3 characters per point instead of 30).

:func:`encode_coverage` does the encoding (vectorised with numpy); :data:`DECODER_JS` turns it back into
GeoJSON features in the browser. :func:`fingerprint` gives memo keys for geometry arrays.
"""

from __future__ import annotations

import hashlib
import json
import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely

from cnrmap import memory
from cnrmap.filestore import keep_most_recent, write_atomically
from cnrmap.memo import Memo

# 64 characters that need no escaping in JSON or HTML and contain no "_" (streamlit-folium rewrites
# "_<id>" sequences in the map script).
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-."
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_MAX_GROUPS = 8  # 5 payload bits per character: up to 40 bits

# Browser side: ``cnrmapDecode(enc)`` returns an array of GeoJSON geometries (null for empty features).
DECODER_JS = """
function cnrmapVarints(s) {
    var out = new Array(s.length), n = 0, v = 0, sh = 0, mul = 1, i, c, code;
    var table = {};
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";
    for (i = 0; i < 64; i++) { table[alphabet.charCodeAt(i)] = i; }
    for (i = 0; i < s.length; i++) {
        c = table[s.charCodeAt(i)];
        v += (c & 31) * mul;
        if (c & 32) { mul *= 32; } else {
            out[n++] = (v % 2) ? -(v + 1) / 2 : v / 2;
            v = 0; mul = 1;
        }
    }
    out.length = n;
    return out;
}
function cnrmapDecode(enc) {
    var q = enc.q, a = cnrmapVarints(enc.a), f = cnrmapVarints(enc.f);
    var arcs = [], p = 0, x = 0, y = 0, nArcs = a[p++], i, j, k, r;
    for (i = 0; i < nArcs; i++) {
        var n = a[p++], arc = new Array(n);
        for (j = 0; j < n; j++) { x += a[p++]; y += a[p++]; arc[j] = [x * q, y * q]; }
        arcs.push(arc);
    }
    var geoms = [], prev = 0;
    p = 0;
    while (p < f.length) {
        var nPolys = f[p++], polys = [];
        for (i = 0; i < nPolys; i++) {
            var nRings = f[p++], rings = [];
            for (j = 0; j < nRings; j++) {
                var nRefs = f[p++], ring = [];
                for (k = 0; k < nRefs; k++) {
                    var code = f[p++], rev = code & 1;
                    prev += (code - rev) / 2;
                    var pts = arcs[prev];
                    if (rev) { for (r = pts.length - 1; r >= (ring.length ? 1 : 0); r--) { ring.push(pts[r]); } }
                    else { for (r = ring.length ? 1 : 0; r < pts.length; r++) { ring.push(pts[r]); } }
                }
                rings.push(ring);
            }
            polys.push(rings);
        }
        geoms.push(nPolys === 0 ? null : (nPolys === 1 ? {type: "Polygon", coordinates: polys[0]}
                                                       : {type: "MultiPolygon", coordinates: polys}));
    }
    return geoms;
}
"""


def fingerprint(geoms: Sequence[shapely.Geometry | None] | np.ndarray, *extra: object) -> str:
    """Digest of a geometry array (WKB) and of ``extra`` values: a memo key that changes with any vertex.

    The WKB digest of an array already seen (the very same geometry objects, which shapely never modifies) is
    remembered while those objects are alive: the memo holds weak references to them, not the objects.
    """
    arr = np.asarray(geoms, dtype=object)
    content = _content_digest(arr)
    if not extra:
        return content
    digest = hashlib.blake2b(content.encode(), digest_size=16)
    for value in extra:
        digest.update(repr(value).encode())
    return digest.hexdigest()


# Identity of a geometry array (ids of its objects) -> (weak references to them, their WKB digest). The ids of
# dead objects can be reused by new ones: an entry counts only while every object it names is alive.
_BY_IDENTITY: Memo[tuple[list, str]] = Memo(
    32, "geometry digests", budget=memory.IDENTITY_BUDGET, weigh=lambda entry: memory.WEAKREF_BYTES * len(entry[0])
)


def _content_digest(arr: np.ndarray) -> str:
    ids = np.fromiter(map(id, arr), dtype=np.uint64, count=len(arr)).tobytes()
    identity = hashlib.blake2b(ids, digest_size=16).digest()
    known = _BY_IDENTITY.get(identity)
    if known is not None and len(known[0]) == len(arr) and all(ref is None or ref() is not None for ref in known[0]):
        return known[1]
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(len(arr)).encode())
    for wkb in shapely.to_wkb(arr):
        digest.update(wkb if wkb is not None else b"\0")
    content = digest.hexdigest()
    _BY_IDENTITY.put(identity, ([None if g is None else weakref.ref(g) for g in arr], content))
    return content


def grid_decimals(coords: np.ndarray, candidates: Sequence[int] = (3, 4, 5, 6)) -> int:
    """Fewest decimals (among ``candidates``) on which every coordinate already lies; the last one otherwise."""
    if coords.size == 0:
        return candidates[0]
    sample = coords.ravel()
    for decimals in candidates:
        scaled = sample * 10**decimals
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return decimals
    return candidates[-1]


def varints(values: np.ndarray) -> str:
    """Zigzag, variable-length coding of integers in :data:`ALPHABET` (5 bits per character, bit 6 = more)."""
    v = np.asarray(values, dtype=np.int64)
    if v.size == 0:
        return ""
    z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    if int(z.max()) >> (5 * _MAX_GROUPS):
        raise ValueError(f"entier trop grand pour le codage : {int(np.abs(v).max())!r}")
    # Only as many 5-bit groups as the largest value needs (small deltas: 2 or 3), to keep memory low.
    n_groups = max(1, -(-int(z.max()).bit_length() // 5))
    shifts = np.arange(n_groups, dtype=np.uint64) * np.uint64(5)
    chars = ((z[:, None] >> shifts[None, :]) & np.uint64(31)).astype(np.uint8)
    # Number of characters of each value: at least one, then one per remaining 5-bit group.
    lengths = np.ones(len(z), dtype=np.int8)
    for k in range(1, n_groups):
        lengths += (z >> np.uint64(5 * k)) > 0
    column = np.arange(n_groups, dtype=np.int8)[None, :]
    chars |= (column < (lengths[:, None] - 1)).astype(np.uint8) << 5
    return _ALPHABET_BYTES[chars[column < lengths[:, None]]].tobytes().decode("ascii")


def decode_varints(text: str) -> list[int]:
    """Inverse of :func:`varints` (used by tests; the browser uses :data:`DECODER_JS`)."""
    table = {c: i for i, c in enumerate(ALPHABET)}
    out, value, mul = [], 0, 1
    for char in text:
        c = table[char]
        value += (c & 31) * mul
        if c & 32:
            mul *= 32
        else:
            out.append(-(value + 1) // 2 if value % 2 else value // 2)
            value, mul = 0, 1
    return out


def encode_coverage(geoms: Sequence[shapely.Geometry | None] | np.ndarray, decimals: int | None = None) -> dict:
    """Encode polygons (EPSG:4326) as shared, quantised arcs.

    Parameters
    ----------
    geoms : sequence of Polygon or MultiPolygon
        One geometry per feature (``None`` or empty allowed: decoded as ``null``).
    decimals : int, optional
        Grid of the coordinates (``10**-decimals`` degrees); by default the one they already lie on.

    Returns
    -------
    dict
        ``q`` (grid step in degrees), ``a`` (arcs) and ``f`` (features: polygons, rings, arc references),
        as strings for :data:`DECODER_JS`; ``points`` and ``arcs`` count what was encoded.
    """
    arr = np.asarray(geoms, dtype=object)
    n_features = len(arr)
    polys, poly_feature = shapely.get_parts(arr, return_index=True)
    keep = shapely.get_type_id(polys) == 3
    polys, poly_feature = polys[keep], poly_feature[keep]
    n_interior = shapely.get_num_interior_rings(polys)
    rings = []
    ring_poly = []
    for index, (poly, holes) in enumerate(zip(polys, n_interior, strict=True)):
        rings.append(poly.exterior)
        rings.extend(poly.interiors)
        ring_poly.extend([index] * (1 + int(holes)))
    coords, ring_of_point = shapely.get_coordinates(np.asarray(rings, dtype=object), return_index=True)
    if decimals is None:
        decimals = grid_decimals(coords)
    q = np.round(coords * 10**decimals).astype(np.int64)
    ring_poly_arr = np.asarray(ring_poly, dtype=np.int64)

    # Drop each ring's closing point and consecutive duplicates (rounding can merge vertices).
    last_of_ring = np.r_[ring_of_point[1:] != ring_of_point[:-1], True]
    keep = ~last_of_ring
    same_as_prev = np.r_[False, (q[1:] == q[:-1]).all(axis=1) & (ring_of_point[1:] == ring_of_point[:-1])]
    keep &= ~same_as_prev
    q, ring_of_point = q[keep], ring_of_point[keep]
    # A ring whose last point equals its first after rounding loses that duplicate too.
    starts = np.r_[0, np.flatnonzero(ring_of_point[1:] != ring_of_point[:-1]) + 1]
    ends = np.r_[starts[1:], len(q)] - 1
    wrap_dup = (q[ends] == q[starts]).all(axis=1) & (ends > starts)
    if wrap_dup.any():
        mask = np.ones(len(q), dtype=bool)
        mask[ends[wrap_dup]] = False
        q, ring_of_point = q[mask], ring_of_point[mask]
    # Rings left with fewer than three points are degenerate: dropped.
    ring_ids, counts = np.unique(ring_of_point, return_counts=True)
    good_rings = ring_ids[counts >= 3]
    mask = np.isin(ring_of_point, good_rings)
    q, ring_of_point = q[mask], ring_of_point[mask]

    n = len(q)
    starts = np.r_[0, np.flatnonzero(ring_of_point[1:] != ring_of_point[:-1]) + 1] if n else np.array([], np.int64)
    lengths = np.diff(np.r_[starts, n]) if n else np.array([], np.int64)
    ring_index = np.repeat(np.arange(len(starts)), lengths)  # dense ring number of each point
    pos = np.arange(n) - np.repeat(starts, lengths)
    nxt = np.repeat(starts, lengths) + (pos + 1) % np.repeat(lengths, lengths)
    point_key = ((q[:, 0] + (1 << 31)) << 32) | (q[:, 1] + (1 << 31))

    # Segments (point i -> next point of its ring), undirected ids, and who uses them.
    uniq_points, point_id = np.unique(point_key, return_inverse=True)
    a, b = point_id.ravel().astype(np.int64), point_id.ravel().astype(np.int64)[nxt]
    _, seg_id = np.unique(np.minimum(a, b) * len(uniq_points) + np.maximum(a, b), return_inverse=True)
    seg_id = seg_id.ravel()
    n_seg = int(seg_id.max()) + 1 if n else 0
    owner_min = np.full(n_seg, np.iinfo(np.int64).max, dtype=np.int64)
    owner_max = np.full(n_seg, -1, dtype=np.int64)
    np.minimum.at(owner_min, seg_id, ring_index)
    np.maximum.at(owner_max, seg_id, ring_index)
    uses = np.bincount(seg_id, minlength=n_seg)
    signature = owner_min * (1 << 32) + np.where(uses > 1, owner_max + 1, 0) + np.where(uses > 2, 1 << 31, 0)
    sig = signature[seg_id]
    prev = np.repeat(starts, lengths) + (pos - 1) % np.repeat(lengths, lengths)
    cut = sig != sig[prev]

    # Rotate each ring so that it starts at a cut (or, uncut, at its smallest point): runs become contiguous.
    has_cut = np.zeros(len(starts), dtype=bool)
    np.logical_or.at(has_cut, ring_index, cut)
    first_cut = np.full(len(starts), -1, dtype=np.int64)
    cut_pos = np.flatnonzero(cut)
    # First cut of each ring: cut positions are sorted, take the first per ring.
    if len(cut_pos):
        rings_of_cuts = ring_index[cut_pos]
        firsts = np.r_[True, rings_of_cuts[1:] != rings_of_cuts[:-1]]
        first_cut[rings_of_cuts[firsts]] = pos[cut_pos[firsts]]
    uncut = ~has_cut
    if uncut.any():
        order = np.lexsort((point_key, ring_index))
        firsts = np.r_[True, ring_index[order][1:] != ring_index[order][:-1]]
        min_pos = pos[order][firsts]
        first_cut[uncut] = min_pos[uncut]
        cut = cut | np.isin(np.arange(n), (starts + first_cut)[uncut])
    offset = np.repeat(first_cut, lengths)
    src = np.repeat(starts, lengths) + (pos + offset) % np.repeat(lengths, lengths)
    rq, rkey, rcut, rseg = q[src], point_key[src], cut[src], seg_id[src]

    # Runs: from each cut to the next cut of the same ring (the last one closes on the ring's first point).
    run_start = np.flatnonzero(rcut)
    run_ring = ring_index[src][run_start]
    run_end = np.r_[run_start[1:], n]  # exclusive, in segments
    ring_end = (starts + lengths)[run_ring]
    run_end = np.minimum(run_end, ring_end)
    run_len = run_end - run_start  # number of segments
    # Canonical id of a run: its smallest segment id (a segment belongs to one stretch of border).
    run_key = np.minimum.reduceat(rseg, run_start) if len(run_start) else np.array([], np.int64)

    # Points of each run (n_segments + 1; the closing point of the last run is the ring's first point).
    ring_first = starts[run_ring]
    pt_counts = run_len + 1
    run_offsets = np.r_[0, np.cumsum(pt_counts)[:-1]]
    local = np.arange(int(pt_counts.sum())) - np.repeat(run_offsets, pt_counts)
    idx = np.repeat(run_start, pt_counts) + local
    idx = np.where(idx >= np.repeat(ring_end, pt_counts), np.repeat(ring_first, pt_counts), idx)
    run_pts = rq[idx]
    run_keys_pts = rkey[idx]

    # Match runs that are the same border seen from both sides: same smallest segment, same length, and the
    # same points in reverse (or in the same) order. Only pairs: a third run with that key stays on its own.
    n_runs = len(run_key)
    order = np.lexsort((np.arange(n_runs), run_len, run_key))
    sorted_key, sorted_len = run_key[order], run_len[order]
    boundary = np.r_[True, (sorted_key[1:] != sorted_key[:-1]) | (sorted_len[1:] != sorted_len[:-1])]
    group = np.cumsum(boundary) - 1
    group_size = np.bincount(group)[group]
    is_first = boundary & (group_size == 2)
    first_run = order[is_first]
    second_run = order[np.r_[False, is_first[:-1]]]
    partner = np.full(n_runs, -1, dtype=np.int64)
    reversed_run = np.zeros(n_runs, dtype=bool)
    if len(first_run):
        counts_pair = pt_counts[first_run]
        local_pair = np.arange(int(counts_pair.sum())) - np.repeat(np.r_[0, np.cumsum(counts_pair)[:-1]], counts_pair)
        ia = np.repeat(run_offsets[first_run], counts_pair) + local_pair
        ib_rev = np.repeat(run_offsets[second_run] + pt_counts[second_run] - 1, counts_pair) - local_pair
        ib_fwd = np.repeat(run_offsets[second_run], counts_pair) + local_pair
        pair_starts = np.r_[0, np.cumsum(counts_pair)[:-1]]
        rev_ok = np.logical_and.reduceat(run_keys_pts[ia] == run_keys_pts[ib_rev], pair_starts)
        fwd_ok = np.logical_and.reduceat(run_keys_pts[ia] == run_keys_pts[ib_fwd], pair_starts)
        matched = rev_ok | fwd_ok
        lo, hi = np.minimum(first_run, second_run)[matched], np.maximum(first_run, second_run)[matched]
        partner[lo], partner[hi] = hi, lo
        reversed_run[hi] = rev_ok[matched]

    # Number arcs in order of first use (runs are in feature order), so that references delta-code well.
    primary = (partner == -1) | (partner > np.arange(n_runs))
    arc_of_run = np.cumsum(primary) - 1
    arc_of_run = np.where(primary, arc_of_run, arc_of_run[np.maximum(partner, 0)])
    n_arcs = int(primary.sum())
    arc_lens = pt_counts[primary]

    # Arcs: count, then per arc its number of points and the deltas from a cursor running through all arcs.
    all_pts = run_pts[np.repeat(primary, pt_counts)]
    if n_arcs:
        deltas = np.diff(np.vstack([[0, 0], all_pts]), axis=0)
        arc_starts = np.r_[0, np.cumsum(arc_lens)[:-1]]
        pieces = np.insert(deltas.ravel(), 2 * arc_starts, arc_lens)
        arcs_text = varints(np.r_[n_arcs, pieces])
    else:
        arcs_text = varints(np.array([0]))

    # Features: polygons, rings, references (delta of arc index, times two, plus one if reversed).
    ring_runs: dict[int, list[int]] = {}
    for run, ring in enumerate(run_ring.tolist()):
        ring_runs.setdefault(ring, []).append(run)
    dense_to_original = ring_ids[counts >= 3]
    poly_rings: dict[int, list[int]] = {}
    for dense, original in enumerate(dense_to_original.tolist()):
        poly_rings.setdefault(int(ring_poly_arr[original]), []).append(dense)
    feature_polys: list[list[int]] = [[] for _ in range(n_features)]
    for poly_index, feature in enumerate(poly_feature.tolist()):
        rings_of_poly = poly_rings.get(poly_index)
        # A polygon whose exterior collapsed is dropped; its holes alone would be meaningless.
        if rings_of_poly and dense_to_original[rings_of_poly[0]] == _exterior_index(poly_index, ring_poly_arr):
            feature_polys[feature].append(poly_index)
    stream: list[int] = []
    previous = 0
    arc_list, rev_list = arc_of_run.tolist(), reversed_run.tolist()
    for polys_of_feature in feature_polys:
        stream.append(len(polys_of_feature))
        for poly_index in polys_of_feature:
            rings_of_poly = poly_rings[poly_index]
            stream.append(len(rings_of_poly))
            for ring in rings_of_poly:
                runs = ring_runs[ring]
                stream.append(len(runs))
                for run in runs:
                    arc = arc_list[run]
                    stream.append((arc - previous) * 2 + (1 if rev_list[run] else 0))
                    previous = arc
    return {
        "q": 10.0**-decimals,
        "a": arcs_text,
        "f": varints(np.asarray(stream, dtype=np.int64)),
        "points": len(all_pts),
        "arcs": n_arcs,
    }


# Encoded coverages by geometry digest (a national layer's encoding is tens of MB in memory: few entries).
_ENCODED: Memo[dict] = Memo(8, "encoded coverages", budget=memory.ENCODED_BUDGET)


# Encodings kept on disk (:func:`encode_coverage_cached`): the most recently used files beyond this are removed.
MAX_STORED_ENCODINGS = 300


def encode_coverage_cached(geoms: Sequence[shapely.Geometry | None] | np.ndarray, folder: Path | None = None) -> dict:
    """:func:`encode_coverage`, remembered by :func:`fingerprint` (a filter change redraws the same shapes).

    With ``folder``, also kept on disk as ``<fingerprint>.json``: a new server process reads the encoding of a
    layer drawn before (France's communes: 1 s to encode, a few hundredths to read).
    """
    key = fingerprint(geoms)

    def compute() -> dict:
        path = folder / f"{key}.json" if folder is not None else None
        if path is not None:
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                os.utime(path)
                return stored
            except (OSError, ValueError):
                pass
        encoded = encode_coverage(geoms)
        if path is not None:
            _store_encoding(path, encoded)
        return encoded

    return _ENCODED.get_or_compute(key, compute)


def _store_encoding(path: Path, encoded: dict) -> None:
    """Write ``encoded`` next to the others; keep the :data:`MAX_STORED_ENCODINGS` most recently used."""
    try:
        write_atomically(path, json.dumps(encoded, separators=(",", ":")))
        keep_most_recent(path.parent, (".json",), MAX_STORED_ENCODINGS)
    except OSError:
        return  # a read-only cache: encoded again next time


def remember_encoding(
    geoms: Sequence[shapely.Geometry | None] | np.ndarray, encoded: dict, key: str | None = None
) -> None:
    """Make ``encoded`` (:func:`encode_coverage` of ``geoms``, e.g. stored on disk) the memo entry of ``geoms``."""
    _ENCODED.put(key or fingerprint(geoms), encoded)


def _exterior_index(poly_index: int, ring_poly: np.ndarray) -> int:
    """Original index of the exterior ring of polygon ``poly_index`` (its first ring)."""
    return int(np.searchsorted(ring_poly, poly_index))


def decode_coverage(encoded: dict) -> list[shapely.Geometry | None]:
    """Python twin of :data:`DECODER_JS`, for tests: the geometries back from :func:`encode_coverage`."""
    q = encoded["q"]
    a, f = decode_varints(encoded["a"]), decode_varints(encoded["f"])
    arcs, p, x, y = [], 1, 0, 0
    for _ in range(a[0]):
        count = a[p]
        p += 1
        pts = []
        for _ in range(count):
            x, y = x + a[p], y + a[p + 1]
            p += 2
            pts.append((x * q, y * q))
        arcs.append(pts)
    out: list[shapely.Geometry | None] = []
    p, previous = 0, 0
    while p < len(f):
        n_polys = f[p]
        p += 1
        polys = []
        for _ in range(n_polys):
            n_rings = f[p]
            p += 1
            rings = []
            for _ in range(n_rings):
                n_refs = f[p]
                p += 1
                ring: list[tuple[float, float]] = []
                for _ in range(n_refs):
                    code = f[p]
                    p += 1
                    rev = code & 1
                    previous += (code - rev) // 2
                    pts = arcs[previous][::-1] if rev else arcs[previous]
                    ring.extend(pts[1:] if ring else pts)
                rings.append(ring)
            polys.append(shapely.Polygon(rings[0], rings[1:]))
        out.append(None if not polys else (polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)))
    return out
