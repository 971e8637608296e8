"""What an indicator is: its description (:class:`Indicator`) and its values for a map (:class:`IndicatorData`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from cnrmap.geo.reconcile import JoinReport

DEPARTEMENT, COMMUNE = "departement", "commune"
LEVEL_WORDS: dict[str, str] = {DEPARTEMENT: "par département", COMMUNE: "par commune"}


@dataclass(frozen=True)
class Indicator:
    """One indicator the map can show, whether it is installed, and how to install it if not.

    ``levels`` are the levels it can be shown at now; ``all_levels`` those it exists at once installed;
    ``years`` the years it can be shown for (empty: one vintage); ``integer``: a count (integer classes).
    """

    id: str
    label: str
    unit: str
    vintage: str
    source: str
    levels: tuple[str, ...]
    kind: str
    categories: dict[str, str] | None
    higher_is_better: bool | None
    installed: bool
    install_hint: str
    all_levels: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    integer: bool = False
    origin: str = "officiel"  # "officiel", "cnr", "importé", "documents"

    @property
    def exists_at(self) -> tuple[str, ...]:
        """Levels it exists at (installed or not)."""
        return self.all_levels or self.levels


@dataclass(frozen=True)
class SideValue:
    """Another figure for the same territory, shown beside the map's value with the difference.

    ``key`` names it in exports (``table_departementale``, ``document``); ``label`` says in French what it is
    and where it comes from; ``difference`` is the map's value minus this one (``None`` when they cannot be
    compared); ``caveat`` says why the comparison is loose (years or definitions differ).
    """

    key: str
    label: str
    value: float
    display: str
    difference: float | None = None
    caveat: str = ""


@dataclass(frozen=True)
class IndicatorData:
    """One indicator's description and values, as the map needs them.

    ``values`` has ``code`` and ``value`` for the territories shown; ``france_values`` the same over all of
    France at that level (for fixed breaks); ``references`` reference values by region code and ``"FR"``;
    ``missing_reasons``: code → why a territory has no value (its own class in the legend); ``missing_default``:
    the reason of a territory not listed there (« Non cité par les documents »), else « Donnée manquante ». ``year``: the year
    shown (``"2023"``) or the period of an evolution (``"2015-2023"``); ``notes``: extra legend lines (sign
    convention, how the values were made); ``diverging``: a change centred on zero (symmetric classes, diverging
    palette); ``threshold``: the indicator's usual threshold (APL 2.5), the default of the cross-reading;
    ``alongside``: code → other figures for that territory (:class:`SideValue`).
    """

    id: str
    label: str
    kind: str  # "numeric" | "categorical"
    level: str
    values: pd.DataFrame
    unit: str = ""
    vintage: str = ""
    source: str = ""
    categories: Mapping[str, str] = field(default_factory=dict)
    higher_is_better: bool | None = None
    france_values: pd.DataFrame | None = None
    references: Mapping[str, float] = field(default_factory=dict)
    integer: bool = False
    missing_reasons: Mapping[str, str] = field(default_factory=dict)
    missing_default: str = ""
    year: str = ""
    notes: tuple[str, ...] = ()
    diverging: bool = False
    threshold: float | None = None
    alongside: Mapping[str, tuple[SideValue, ...]] = field(default_factory=dict)

    def description_key(self) -> tuple:
        """Everything but the values: part of the memo key of layers drawn from it."""
        return (
            self.id, self.kind, self.label, self.unit, self.vintage, self.source, tuple(self.categories.items()),
            tuple(sorted(self.references.items())), self.integer, self.year, self.notes, self.diverging,
        )  # fmt: skip

    def as_indicator(self) -> Indicator:
        """The :class:`Indicator` that describes these values (installed at their level)."""
        return Indicator(
            self.id, self.label, self.unit, self.vintage, self.source, (self.level,), self.kind,
            dict(self.categories) or None, self.higher_is_better, True, "", integer=self.integer, origin="importé",
        )  # fmt: skip


class IndicatorValues(NamedTuple):
    """Values of an indicator (``frame``: columns ``code``, ``value``) and the join report."""

    frame: pd.DataFrame
    report: JoinReport
