"""One small bounded memo: the least recently used entry goes first, by count and by estimated bytes.

Used where ``functools.lru_cache`` does not fit: keys computed from content (digests of shapes or values)
rather than from hashable arguments, results that are only worth keeping on some condition, or results big
enough that a count of entries says nothing about memory (one national commune layer weighs as much as a
thousand department layers). :func:`estimate_bytes` gives an entry's weight, GEOS geometries included.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import types
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")

MB = 1024 * 1024
# GEOS geometries live outside Python's allocator (sys.getsizeof does not see them). Measured here with
# shapely 2 (RSS growth when building polygons): about 40 bytes per coordinate, and 300 to 800 bytes per
# polygon part (objects, rings, envelopes).
GEOMETRY_BYTES_PER_COORDINATE = 40
GEOMETRY_BYTES_PER_PART = 600

_ALL: weakref.WeakSet[Memo] = weakref.WeakSet()


class Memo(Generic[V]):
    """A dict of at most ``maxsize`` entries, and at most ``budget`` estimated bytes when a budget is given.

    Reading an entry makes it the most recently used; the least recently used go first. Thread-safe for the
    Streamlit server (several sessions rerun at once), and :meth:`get_or_compute` computes each key once:
    a second thread asking for a key being computed waits for that result instead of computing it again.

    Parameters
    ----------
    maxsize : int
        Most entries kept.
    name : str
        Shown in :func:`usage`.
    budget : int, optional
        Most bytes kept, as estimated by ``weigh`` when an entry is stored. An entry heavier than the whole
        budget is returned but not kept.
    weigh : callable, optional
        Estimated bytes of a value (default: :func:`estimate_bytes`); called once per stored entry.
    """

    def __init__(
        self,
        maxsize: int,
        name: str = "",
        budget: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ):
        if maxsize < 1:
            raise ValueError(f"taille de mémo invalide : {maxsize!r}")
        if budget is not None and budget < 1:
            raise ValueError(f"budget de mémo invalide : {budget!r}")
        self.maxsize = maxsize
        self.name = name
        self.budget = budget
        self._weigh = weigh or estimate_bytes
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._weights: dict[Hashable, int] = {}
        self._weight = 0
        self._lock = threading.Lock()
        self._computing: dict[Hashable, list] = {}  # key -> [lock, number of threads using it]
        _ALL.add(self)

    @property
    def weight(self) -> int:
        """Estimated bytes of the entries kept (0 when the memo has no budget: entries are not weighed)."""
        return self._weight

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, value: V) -> V:
        """Keep ``value`` for ``key`` (unless it alone exceeds the budget), dropping the least recently used."""
        weight = self._weigh(value) if self.budget is not None else 0
        with self._lock:
            self._forget(key)
            if self.budget is not None and weight > self.budget:
                return value
            self._entries[key] = value
            self._weights[key] = weight
            self._weight += weight
            while len(self._entries) > self.maxsize or (self.budget is not None and self._weight > self.budget):
                self._forget(next(iter(self._entries)))
        return value

    def _forget(self, key: Hashable) -> None:
        if key in self._entries:
            del self._entries[key]
            self._weight -= self._weights.pop(key)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], keep: Callable[[V], bool] | None = None) -> V:
        """The entry for ``key``, computed and stored when absent (only if ``keep(value)`` when given).

        Two threads asking for the same absent key at once: one computes, the other waits and gets the
        stored result (or computes in turn if the first failed or did not keep it). Different keys are
        computed in parallel. ``compute`` must not ask this memo for the same key.
        """
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            slot = self._computing.setdefault(key, [threading.Lock(), 0])
            slot[1] += 1
        try:
            with slot[0]:
                found = self.get(key)
                if found is not None:
                    return found
                value = compute()
                if keep is None or keep(value):
                    self.put(key, value)
                return value
        finally:
            with self._lock:
                slot[1] -= 1
                if slot[1] == 0:
                    del self._computing[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weights.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries


def usage() -> list[tuple[str, int, int, int | None]]:
    """Every memo of the process: ``(name, entries, estimated bytes, budget)``, heaviest first."""
    memos = list(_ALL)
    return sorted(((m.name, len(m), m.weight, m.budget) for m in memos), key=lambda row: -row[2])


def estimate_bytes(value: Any) -> int:
    """Estimated memory held by ``value`` and what it references, each object counted once.

    Counts strings and bytes, numpy arrays (their buffer, and the objects of object arrays), pandas frames and
    series (``memory_usage(deep=True)``, geometry columns by their coordinates), shapely geometries
    (:data:`GEOMETRY_BYTES_PER_COORDINATE`, :data:`GEOMETRY_BYTES_PER_PART`: GEOS memory that
    ``sys.getsizeof`` does not see), containers, dataclasses and objects' attributes. Modules, classes and
    functions are not followed (they are shared by the whole process). An estimate, not an exact count.
    """
    return _Estimator().size(value)


class _Estimator:
    def __init__(self) -> None:
        import numpy
        import pandas

        self.np, self.pd = numpy, pandas
        self.seen: set[int] = set()
        self.alive: list[Any] = []  # temporaries made here stay alive, so that their ids are not reused

    def size(self, value: Any) -> int:
        stack, total = [value], 0
        while stack:
            obj = stack.pop()
            if id(obj) in self.seen or isinstance(obj, _NOT_FOLLOWED):
                continue
            self.seen.add(id(obj))
            total += self._own(obj, stack)
        return total

    def _own(self, obj: Any, stack: list) -> int:
        """Bytes of ``obj`` itself; what it references is pushed on ``stack``."""
        if isinstance(obj, str | bytes | bytearray | int | float | complex | bool | type(None)):
            return sys.getsizeof(obj)
        if _is_geometry(obj):
            return _geometry_bytes([obj])
        if isinstance(obj, self.np.ndarray):
            return self._array(obj, stack)
        if isinstance(obj, self.pd.DataFrame | self.pd.Series | self.pd.Index):
            return self._frame(obj, stack)
        if isinstance(obj, Mapping):
            return sys.getsizeof(obj) + self._leaves(obj.keys(), stack) + self._leaves(obj.values(), stack)
        if isinstance(obj, list | tuple | set | frozenset):
            return sys.getsizeof(obj) + self._leaves(obj, stack)
        if dataclasses.is_dataclass(obj) and not hasattr(obj, "__dict__"):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
        attributes = getattr(obj, "__dict__", None)
        if isinstance(attributes, dict):
            stack.append(attributes)
        for slot in getattr(type(obj), "__slots__", ()):
            if hasattr(obj, slot):
                stack.append(getattr(obj, slot))
        return sys.getsizeof(obj)

    def _leaves(self, items: Iterable[Any], stack: list) -> int:
        """Bytes of the strings and numbers among ``items``, counted here (once each); the rest goes on ``stack``.

        The same as pushing them all on the stack, without a round through :meth:`_own` for each of the 35,000
        names or codes of a national layer (weighing was a fifth of a national view's first build).
        """
        size, seen, getsizeof = 0, self.seen, sys.getsizeof
        for item in items:
            if type(item) in _LEAF_TYPES:
                if id(item) not in seen:
                    seen.add(id(item))
                    size += getsizeof(item)
            else:
                stack.append(item)
        return size

    def _array(self, arr: Any, stack: list) -> int:
        size = int(arr.nbytes)
        if arr.dtype == object:
            import shapely

            flat = arr.ravel()
            geometric = shapely.is_geometry(flat)
            geometries = [g for g in flat[geometric].tolist() if id(g) not in self.seen]
            self.seen.update(id(g) for g in geometries)
            size += _geometry_bytes(geometries) + self._leaves(flat[~geometric].tolist(), stack)
        return size

    def _frame(self, frame: Any, stack: list) -> int:
        if isinstance(frame, self.pd.Index):
            return int(frame.memory_usage(deep=True))
        columns = frame.to_frame() if isinstance(frame, self.pd.Series) else frame
        size = int(columns.index.memory_usage(deep=True))
        for i in range(columns.shape[1]):
            column = columns.iloc[:, i]
            if column.dtype == object or str(column.dtype) == "geometry":
                values = column.to_numpy()
                self.alive.append(values)
                stack.append(values)
            else:
                size += int(column.memory_usage(index=False, deep=True))
        stack.append(frame.attrs)
        return size


def _is_geometry(obj: Any) -> bool:
    return type(obj).__module__.startswith("shapely.")


_LEAF_TYPES = frozenset({str, bytes, int, float, bool, type(None)})
_NOT_FOLLOWED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, weakref.ref)


def _geometry_bytes(geometries: list) -> int:
    if not geometries:
        return 0
    import shapely

    coordinates = int(shapely.get_num_coordinates(geometries).sum())
    parts = int(shapely.get_num_geometries(geometries).clip(min=1).sum())
    return coordinates * GEOMETRY_BYTES_PER_COORDINATE + parts * GEOMETRY_BYTES_PER_PART
