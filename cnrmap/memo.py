"""One small bounded memo: the least recently used entry goes first.

Used where ``functools.lru_cache`` does not fit: keys computed from content (digests of shapes or values)
rather than from hashable arguments, or results that are only worth keeping on some condition.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """A dict of at most ``maxsize`` entries; reading an entry makes it the most recently used.

    Thread-safe for the Streamlit server (several sessions rerun at once); the computation itself runs
    outside the lock, so two threads may compute the same entry once each.
    """

    def __init__(self, maxsize: int, name: str = ""):
        if maxsize < 1:
            raise ValueError(f"taille de mémo invalide : {maxsize!r}")
        self.maxsize = maxsize
        self.name = name
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], keep: Callable[[V], bool] | None = None) -> V:
        """The entry for ``key``, computed and stored when absent (only if ``keep(value)`` when given)."""
        found = self.get(key)
        if found is not None:
            return found
        value = compute()
        if keep is None or keep(value):
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries
