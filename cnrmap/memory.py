"""Keep the resident memory of the long-running app process close to what it really uses.

A map of every commune of France is a few MB of page text, built, copied and sent at each rerun. With glibc's
default, freeing such a block raises the size above which blocks are given back to the system, so later blocks
of that size stay in the heap and the process grows by about 30 MB per new national view (measured: 673 MB after
eight filter changes, 426 MB with the threshold fixed). Fixing the threshold at glibc's default initial value
turns that adjustment off. Setting ``MALLOC_MMAP_THRESHOLD_=131072`` in the environment does the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold (Linux only); ``False`` where there is no glibc ``mallopt``."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


# Heavy builds (a view of the Carte, with its boundaries, values and map text) one at a time per process.
# Measured with 8 browser sessions opening 8 different views of a just-started server (python -m tools.loadtest):
# every session building at once, the server peaked at 657 to 768 MB (each session read the department
# boundaries, the COG and the commune layers before any had cached them, and each build's temporary memory
# added up) and stayed at 540 MB; one build at a time, 483 MB peak and 416 MB after, with the maps drawn no
# later. Python runs one thread at a time anyway: parallel builds of CPU-bound work do not finish sooner.
BUILD_SLOTS = 1
_BUILDS = threading.BoundedSemaphore(BUILD_SLOTS)


# A view dropped from the caches is freed only by the cycle collector (a folium map points to its children and
# back), whose full passes get rare in a server holding many long-lived objects: measured with 8 sessions and 40
# views, every view ever built was still in memory (40 views, up to 15 MB each). A full collection takes
# 0.1 to 0.2 s with the national layers loaded: one after every COLLECT_EVERY builds.
COLLECT_EVERY = 8
_built = [0]


@contextmanager
def build_slot() -> Iterator[None]:
    """Wait for one of the process' :data:`BUILD_SLOTS` heavy-build slots, hold it for the ``with`` block.

    Every :data:`COLLECT_EVERY` builds, a full garbage collection frees the views the caches have dropped.
    Not reentrant: a build must not wrap another build.
    """
    with _BUILDS:
        yield
        _built[0] += 1
        if _built[0] % COLLECT_EVERY == 0:
            gc.collect()


# Byte budgets of the shared memos (cnrmap.memo.Memo), by the estimate of cnrmap.memo.estimate_bytes.
MB = 1024 * 1024
WEAKREF_BYTES = 80  # a weak reference and its list slot
COMMUNES_BUDGET = 64 * MB
NAMES_BUDGET = 16 * MB
IDENTITY_BUDGET = 16 * MB
MAIN_LAYERS_BUDGET = 96 * MB
COMPACT_BUDGET = 24 * MB
ENCODED_BUDGET = 16 * MB
OUTLINES_BUDGET = 16 * MB
BORDERS_BUDGET = 8 * MB
SIMPLIFIED_BUDGET = 64 * MB
