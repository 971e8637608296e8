"""Normalisation of INSEE codes: always strings, leading zeros restored, Corsica as ``2A``/``2B``."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

OVERSEAS_DEPARTMENTS: tuple[str, ...] = ("971", "972", "973", "974", "976")
METROPOLITAN_DEPARTMENTS: tuple[str, ...] = tuple(
    [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"] + [f"{n:02d}" for n in range(21, 96)]
)
ALL_DEPARTMENTS: tuple[str, ...] = METROPOLITAN_DEPARTMENTS + OVERSEAS_DEPARTMENTS

_DEPARTMENT = re.compile(r"^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-8]|98[4-9])$")
_COMMUNE = re.compile(r"^(\d{2}|2[AB])\d{3}$")


def _as_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"code manquant : {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"code non entier : {value!r}")
        value = int(value)
    text = str(value).strip().upper()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text


def normalize_department_code(value: object) -> str:
    """Return the canonical department code (``"04"``, ``"2A"``, ``"971"``; overseas collectivities such as ``"977"`` too).

    Tolerates lost leading zeros (``4``, ``"4"``, ``4.0``), lower case (``"2a"``) and surrounding spaces.

    Raises
    ------
    ValueError
        If the value is not a department code; ``20`` (Corsica before 1976) is refused as ambiguous.
    """
    text = _as_text(value)
    if text.isdigit() and len(text) < 2:
        text = text.zfill(2)
    if not _DEPARTMENT.match(text):
        raise ValueError(f"code de département invalide : {value!r}")
    return text


def normalize_commune_code(value: object) -> str:
    """Return the canonical 5-character INSEE commune code (``"04070"``, ``"2A004"``, ``"97411"``).

    Tolerates a lost leading zero (``4070`` → ``"04070"``), lower case and surrounding spaces.

    Raises
    ------
    ValueError
        If the value is not a commune code.
    """
    text = _as_text(value)
    if text.isdigit() and len(text) == 4:
        text = "0" + text
    if not _COMMUNE.match(text) or text.startswith("00"):
        raise ValueError(f"code commune invalide : {value!r}")
    return text


def department_of_commune(code: object) -> str:
    """Department code of a commune code (three characters overseas: ``97411`` → ``"974"``)."""
    text = normalize_commune_code(code)
    return text[:3] if text.startswith("97") else text[:2]


def departments_of(codes: pd.Series) -> pd.Series:
    """:func:`department_of_commune` of a column, vectorised for canonical codes (``33063``, ``2A004``, ``97411``)."""
    codes = codes.astype(str)
    canonical = codes.str.fullmatch(r"(?:\d{2}|2[AB])\d{3}") & ~codes.str.startswith("00")
    out = codes.str[:2].where(~codes.str.startswith("97"), codes.str[:3])
    if not canonical.all():
        out[~canonical] = codes[~canonical].map(department_of_commune)
    return out


def parse_department_list(text: str) -> list[str]:
    """Parse ``"13,83, 4"`` into normalised codes, keeping order and dropping duplicates.

    Raises
    ------
    ValueError
        If one of the items is not a department code.
    """
    codes: list[str] = []
    for item in re.split(r"[,;\s]+", text.strip()):
        if item:
            code = normalize_department_code(item)
            if code not in codes:
                codes.append(code)
    return codes


@dataclass(frozen=True)
class Cog:
    """The COG 2026 commune reference with its history (from ``cog/communes.json``).

    Attributes
    ----------
    communes:
        Current communes: code → ``(name, department, region, population or None)``.
    former:
        Former commune code (``anciensCodes``) → current commune code.
    delegated:
        Commune déléguée or associée code → its ``chefLieu``.
    arrondissements:
        Municipal arrondissement code → parent commune code (Paris, Marseille, Lyon).
    arrondissement_of:
        Current commune code → its (departmental) arrondissement code, e.g. ``24037`` → ``241``.
    """

    communes: Mapping[str, tuple[str, str, str, int | None]]
    former: Mapping[str, str]
    delegated: Mapping[str, str]
    arrondissements: Mapping[str, str]
    arrondissement_of: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> Cog:
        """Build from the entries of ``communes.json``."""
        communes: dict[str, tuple[str, str, str, int | None]] = {}
        former: dict[str, str] = {}
        delegated: dict[str, str] = {}
        arrondissements: dict[str, str] = {}
        arrondissement_of: dict[str, str] = {}
        for entry in records:
            code, kind = str(entry["code"]), entry["type"]
            if kind == "commune-actuelle":
                population = entry.get("population")
                communes[code] = (
                    str(entry["nom"]),
                    str(entry["departement"]),
                    str(entry.get("region", "")),
                    int(population) if population is not None else None,
                )
                for old in entry.get("anciensCodes", []) or []:
                    former[str(old)] = code
                if entry.get("arrondissement"):
                    arrondissement_of[code] = str(entry["arrondissement"])
            elif kind in ("commune-deleguee", "commune-associee") and entry.get("chefLieu"):
                delegated[code] = str(entry["chefLieu"])
            elif kind == "arrondissement-municipal":
                arrondissements[code] = str(entry["commune"])
        return cls(communes, former, delegated, arrondissements, arrondissement_of)

    @classmethod
    def from_file(cls, path: Path) -> Cog:
        """Read ``communes.json``."""
        with Path(path).open(encoding="utf-8") as handle:
            return cls.from_records(json.load(handle))

    def current_code(self, code: str) -> str | None:
        """The COG 2026 commune that holds ``code`` (a current, former, delegated or associated commune)."""
        for _ in range(5):
            if code in self.communes:
                return code
            nxt = self.former.get(code) or self.delegated.get(code)
            if nxt is None or nxt == code:
                return None
            code = nxt
        return None

    def name(self, code: str) -> str:
        """Official 2026 name of a current commune."""
        return self.communes[code][0]

    def department(self, code: str) -> str:
        """Department of a current commune."""
        return self.communes[code][1]

    def population(self, code: str) -> int | None:
        """INSEE 2023 municipal population of a current commune, if known."""
        return self.communes[code][3]

    def communes_of(self, departments: Iterable[str]) -> list[str]:
        """Current communes of these departments, sorted."""
        wanted = set(departments)
        return sorted(c for c, (_, dep, _, _) in self.communes.items() if dep in wanted)

    def missing_shape_reason(self, code: str) -> str:
        """Why a current commune may have no 2018 shape."""
        if code in self.former or code in self.delegated:
            return "commune rétablie ou recréée après 2018 : son territoire est inclus dans le contour 2018 d'une autre commune"
        return "commune absente des contours COG 2018 (créée ou renumérotée depuis)"
