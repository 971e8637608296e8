"""Keep the resident memory of the long-running app process under its ceiling, whatever users do.

The plan of one server process (``python -m tools.loadtest`` measures it; README « Plusieurs utilisateurs »):

- **Fixed**: Python, Streamlit and the geographic libraries (about 190 MB), then the reference data read once
  and shared by every session — department boundaries and their simplified versions, the COG, the commune
  indicator tables: 312 MB in all once the first national commune map was drawn (memos of that map included).
- **Shared caches, bounded in bytes**: the memos of the map pipeline (:class:`cnrmap.memo.Memo`, budgets below,
  measured 25 to 115 MB in use) and Streamlit's view cache (:func:`cnrmap.cached.view`, 8 views: up to 13 MB
  for France by commune, 3 MB for a region by commune, 2 MB for any other view).
- **One build at a time** (:func:`build_slot`): what a view build allocates on the way is paid once, not once
  per session asking at the same moment.
- **Small sessions**: a session keeps its widgets, at most 3 imported indicators, the last import report and
  at most one exported image of the view it shows; never a view, and an uploaded file only until it is
  imported or refused.
- **Allocators**: :func:`tune_allocators`, below.
- **Garbage collector**: :func:`freeze_long_lived`, below.

A map of every commune of France is a few MB of page text, built, copied and sent at each rerun. With glibc's
default, freeing such a block raises the size above which blocks are given back to the system, so later blocks
of that size stay in the heap and the process grows by about 30 MB per new national view (measured: 673 MB after
eight filter changes, 426 MB with the threshold fixed). Fixing the threshold at glibc's default initial value
turns that adjustment off. Setting ``MALLOC_MMAP_THRESHOLD_=131072`` in the environment does the same.

Arrow (GeoParquet boundaries and commune tables are read through pyarrow) allocates from its own pool, mimalloc in
the wheels, which keeps the pages it freed for later: measured in one process building four national commune
views, 399 MB with that pool, 324 MB with the system allocator (same views, and builds no slower). The server
hands Arrow the system allocator, so that its freed buffers go back through glibc and, being large, to the system.
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


def use_system_arrow_pool() -> bool:
    """Make pyarrow allocate with the system allocator from now on; ``False`` if pyarrow is not installed."""
    try:
        import pyarrow
    except ImportError:
        return False
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    return True


def tune_allocators() -> None:
    """Both of the above, once at the start of a long-running process (the Streamlit server)."""
    fix_mmap_threshold()
    use_system_arrow_pool()


def freeze_long_lived() -> None:
    """Keep what is alive now out of the garbage collector's sight, for the rest of the process.

    Called once the server has imported its libraries and read its data, which live as long as the process.
    Streamlit runs a full collection after every run of a page (``runner.postScriptGC``), which walks every object
    the process holds: 0.09 s a rerun once France by commune is built (195,000 objects), measured in one process;
    twice that in the server, where the browser shares the processor. Frozen objects are not walked (``gc.freeze``,
    meant for long-lived servers): 0.03 s with the objects of the views (not frozen: a view dropped from the cache
    must be collectable). Frozen objects are still freed when nothing refers to them; only cycles among them stay.
    """
    gc.collect()
    gc.freeze()


# Heavy builds (a view of the Carte, with its boundaries, values and map text) one at a time per process.
# Measured with 8 browser sessions opening 8 different views of a just-started server (python -m tools.loadtest):
# every session building at once, the server peaked at 657 to 768 MB (each session read the department
# boundaries, the COG and the commune layers before any had cached them, and each build's temporary memory
# added up) and stayed at 540 MB; one build at a time, 456 to 487 MB peak and 410 to 420 MB after, with the maps
# drawn no later. Python runs one thread at a time anyway: parallel builds of CPU-bound work do not finish sooner.
BUILD_SLOTS = 1
_BUILDS = threading.BoundedSemaphore(BUILD_SLOTS)


@contextmanager
def build_slot() -> Iterator[None]:
    """Wait for one of the process' :data:`BUILD_SLOTS` heavy-build slots, hold it for the ``with`` block.

    Not reentrant: a build must not wrap another build.
    """
    with _BUILDS:
        yield


# Byte budgets of the shared memos (cnrmap.memo.Memo), as estimated by cnrmap.memo.estimate_bytes. Measured
# heaviest entries (France by commune unless said): commune layer 32 MB (a region 7 MB, a department 1 MB), main
# choropleth layer 41 MB (of which the 32 MB of shapes it shares with the commune layer), commune names 5 MB,
# compact page text 4 MB, digests' weak references 3 MB, arc encoding 1.2 MB, outlines 0.8 MB, borders 0.5 MB.
# Each budget holds the national entry and the usual regional and departmental ones; shapes shared between memos
# count in each, so the sum of the budgets (408 MB) bounds what they can keep alive, far above what they hold:
# 25 to 115 MB measured with 8 sessions on 40 different views.
MB = 1024 * 1024
WEAKREF_BYTES = 80  # a weak reference and its list slot
COMMUNES_BUDGET = 64 * MB
NAMES_BUDGET = 16 * MB
IDENTITY_BUDGET = 16 * MB
MAIN_LAYERS_BUDGET = 96 * MB  # two national layers: two users on France by commune with different indicators
COMPACT_BUDGET = 24 * MB
ENCODED_BUDGET = 16 * MB
OUTLINES_BUDGET = 16 * MB
BORDERS_BUDGET = 8 * MB
BASES_BUDGET = 4 * MB  # offline base land: 66 KB per entry (France with its insets)
LABELS_BUDGET = 4 * MB  # placed names of a view: a few hundred labels, under 0.2 MB
INSET_SHAPES_BUDGET = 4 * MB  # overseas shapes moved into their insets: 129 communes of France, about 0.6 MB
DEPARTMENT_POINTS_BUDGET = 1 * MB  # a point per department: 101 points, about 20 KB
ARRONDISSEMENTS_BUDGET = 8 * MB  # commune → arrondissement of France: 35,000 entries, about 4 MB
POPULATIONS_BUDGET = 16 * MB  # commune populations of a COG: 35,000 codes, about 5 MB
# The page's payload memos hold the texts (and GeoJSON dicts) of layers that other memos hand out: weighed by
# their text, so that they never keep alive more than this once those memos have dropped the layers.
PAYLOAD_DIGESTS_BUDGET = 32 * MB
LINKED_GEOJSON_BUDGET = 32 * MB
SIMPLIFIED_BUDGET = 64 * MB  # only used without the national commune cache (shapes simplified at run time)
