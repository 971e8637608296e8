"""Joins that return their result *and* what did not match.

Nothing is dropped silently: every join returns a :class:`JoinReport` listing the keys of each side
that found no partner, with a French reason where one is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from cnrmap.geo.codes import Cog


@dataclass(frozen=True)
class JoinReport:
    """The outcome of one join.

    Attributes
    ----------
    left, right:
        French names of the two sides (e.g. « contours communaux 2018 », « COG 2026 »).
    matched:
        Number of left keys that found a partner.
    unmatched_left:
        Left keys without a partner (sorted).
    unmatched_right:
        Right keys without a partner (sorted).
    reasons:
        French reason per unmatched key, where one is known.
    notes:
        Other facts worth telling the user (merges, derived values).
    """

    left: str
    right: str
    matched: int
    unmatched_left: tuple[str, ...] = ()
    unmatched_right: tuple[str, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when both sides matched completely."""
        return not self.unmatched_left and not self.unmatched_right

    def summary(self, limit: int = 20) -> str:
        """French summary: counts, then the unmatched keys (at most ``limit`` per side) with reasons."""
        lines = [
            f"{self.left} × {self.right} : {self.matched} appariés, "
            f"{len(self.unmatched_left)} sans correspondance côté {self.left}, "
            f"{len(self.unmatched_right)} sans correspondance côté {self.right}."
        ]
        for side, keys in ((self.left, self.unmatched_left), (self.right, self.unmatched_right)):
            if keys:
                shown = [f"{k} ({self.reasons[k]})" if k in self.reasons else k for k in keys[:limit]]
                more = f" … et {len(keys) - limit} autre(s)" if len(keys) > limit else ""
                lines.append(f"  sans correspondance ({side}) : " + ", ".join(shown) + more)
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)

    def combine(self, other: JoinReport) -> JoinReport:
        """Sum two reports of the same join made on different parts (e.g. two departments)."""
        return JoinReport(
            left=self.left,
            right=self.right,
            matched=self.matched + other.matched,
            unmatched_left=tuple(sorted({*self.unmatched_left, *other.unmatched_left})),
            unmatched_right=tuple(sorted({*self.unmatched_right, *other.unmatched_right})),
            reasons={**self.reasons, **other.reasons},
            notes=tuple(dict.fromkeys(self.notes + other.notes)),
        )


def compare_keys(
    left_keys: Iterable[str],
    right_keys: Iterable[str],
    left: str,
    right: str,
    reasons: Mapping[str, str] | None = None,
    notes: Iterable[str] = (),
) -> JoinReport:
    """Report of matching two sets of codes."""
    left_set, right_set = set(left_keys), set(right_keys)
    unmatched = left_set ^ right_set
    return JoinReport(
        left=left,
        right=right,
        matched=len(left_set & right_set),
        unmatched_left=tuple(sorted(left_set - right_set)),
        unmatched_right=tuple(sorted(right_set - left_set)),
        reasons={k: v for k, v in (reasons or {}).items() if k in unmatched},
        notes=tuple(notes),
    )


def join_values(
    frame: pd.DataFrame,
    values: pd.DataFrame,
    left: str,
    right: str,
    on: str = "code",
) -> tuple[pd.DataFrame, JoinReport]:
    """Left-join ``values`` onto ``frame`` by ``on``; unmatched rows of ``frame`` keep a missing value.

    Parameters
    ----------
    frame:
        Rows to keep (e.g. a GeoDataFrame of boundaries), with a string column ``on``.
    values:
        Values to attach, one row per code.
    left, right:
        French names of the two sides for the report.
    on:
        Key column, present in both.

    Returns
    -------
    tuple[pandas.DataFrame, JoinReport]
        The joined frame (same rows and type as ``frame``) and the report.
    """
    duplicated = values[on][values[on].duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(f"codes en double dans {right} : {duplicated[:10]!r}")
    merged = frame.merge(values, on=on, how="left")
    if isinstance(frame, gpd.GeoDataFrame):
        merged = gpd.GeoDataFrame(merged, geometry=frame.geometry.name, crs=frame.crs)
    return merged, compare_keys(frame[on], values[on], left, right)


def reconcile_report(codes_2018: Iterable[str], cog: Cog, departments: Iterable[str]) -> JoinReport:
    """Report of matching COG 2018 commune codes with the COG 2026 communes of ``departments``.

    Left: 2018 codes that no 2026 commune holds; right: 2026 communes that get no 2018 shape.
    """
    codes_2018 = list(codes_2018)
    current = {code: cog.current_code(code) for code in codes_2018}
    unmatched_left = sorted(c for c, new in current.items() if new is None)
    held = [new for new in current.values() if new is not None]
    unmatched_right = sorted(set(cog.communes_of(departments)) - set(held))
    reasons = {c: "code absent du COG 2026 (ni commune, ni ancienne commune)" for c in unmatched_left}
    reasons.update({c: cog.missing_shape_reason(c) for c in unmatched_right})
    merged = len(held) - len(set(held))
    notes = (
        (
            f"{len(held)} contours 2018 donnent {len(set(held))} communes 2026 : les communes fusionnées "
            "reçoivent l'union des contours de leurs anciennes communes.",
        )
        if merged
        else ()
    )
    return JoinReport(
        left="contours communaux (COG 2018)",
        right="communes (COG 2026)",
        matched=len(held),
        unmatched_left=tuple(unmatched_left),
        unmatched_right=tuple(unmatched_right),
        reasons=reasons,
        notes=notes,
    )


def reconcile_communes(
    communes_2018: gpd.GeoDataFrame, cog: Cog, departments: Iterable[str]
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Turn COG 2018 commune shapes into COG 2026 communes.

    Each 2018 code is mapped to the current commune that holds it (itself, the new commune whose
    ``anciensCodes`` list it, or the ``chefLieu`` of a commune déléguée/associée); the shape of a
    new commune is the union of its former communes' shapes.

    Parameters
    ----------
    communes_2018:
        Columns ``code`` (COG 2018) and ``geometry``.
    cog:
        The COG 2026 reference.
    departments:
        Departments covered by ``communes_2018``, to list 2026 communes that got no shape.

    Returns
    -------
    tuple[geopandas.GeoDataFrame, JoinReport]
        Columns ``code`` (COG 2026), ``name``, ``department_code``, ``codes_2018`` (``;``-joined),
        ``geometry``; and the report of :func:`reconcile_report`.
    """
    departments = list(departments)
    mapped = communes_2018[["code", "geometry"]].copy()
    mapped["code_2026"] = mapped["code"].map(cog.current_code)
    mapped = mapped.dropna(subset=["code_2026"])
    groups = mapped.groupby("code_2026", sort=True)
    codes = list(groups.groups)
    geometries = [g.geometry.iloc[0] if len(g) == 1 else shapely.union_all(g.geometry.to_numpy()) for _, g in groups]
    result = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [cog.name(c) for c in codes],
            "department_code": [cog.department(c) for c in codes],
            "codes_2018": [";".join(sorted(g["code"])) for _, g in groups],
        },
        geometry=geometries,
        crs=communes_2018.crs,
    )
    return result, reconcile_report(communes_2018["code"], cog, departments)
