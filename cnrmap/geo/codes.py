"""INSEE codes and the COG: always strings, leading zeros restored, Corsica as ``2A``/``2B``.

The one place where commune and department codes are read, checked and looked up:

- :func:`normalize_department_code`, :func:`normalize_commune_code`: strict, for curated and official
  tables (an impossible code is an error);
- :func:`clean_code`, :func:`loose_department_code`, :func:`loose_commune_code`: tolerant, for files
  typed by users (a code that cannot be read is ``None``, and whether it exists is asked of a reference);
- :class:`Cog` and :func:`load_cog_json`: the COG 2026 communes with their history, and department names.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cnrmap.errors import DataError

OVERSEAS_DEPARTMENTS: tuple[str, ...] = ("971", "972", "973", "974", "976")
METROPOLITAN_DEPARTMENTS: tuple[str, ...] = tuple(
    [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"] + [f"{n:02d}" for n in range(21, 96)]
)
ALL_DEPARTMENTS: tuple[str, ...] = METROPOLITAN_DEPARTMENTS + OVERSEAS_DEPARTMENTS

_DEPARTMENT = re.compile(r"^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-8]|98[4-9])$")
_COMMUNE = re.compile(r"^(\d{2}|2[AB])\d{3}$")
# Spaces a spreadsheet may put inside or around a code: space, no-break, narrow no-break, thin, figure.
SPACES: tuple[str, ...] = (" ", "\u00a0", "\u202f", "\u2009", "\u2007")
_CODE_WITH_LABEL = re.compile(r"^([0-9]{1,5}|2[AB][0-9]{0,3})\s*[-–—:]\s*\S.*$")


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


def clean_code(raw: str) -> str:
    """Read a code as typed in a spreadsheet: upper case, no spaces, no ``.0``, no trailing label.

    ``" 1 001 "`` → ``"1001"``, ``"4070.0"`` → ``"4070"``, ``"13 - Bouches-du-Rhône"`` → ``"13"``,
    ``"2a004"`` → ``"2A004"``. Leading zeros are not restored here: see :func:`loose_commune_code`
    and :func:`loose_department_code`.
    """
    text = raw.strip().upper()
    for space in SPACES:
        text = text.replace(space, "")
    if re.fullmatch(r"[0-9]+\.0+", text):
        text = text.split(".")[0]
    match = _CODE_WITH_LABEL.match(raw.strip().upper())
    if match:
        return match.group(1)
    return text


def loose_commune_code(raw: str) -> str | None:
    """Read a user's commune code (see :func:`clean_code`), restoring a lost leading zero; ``None`` if unreadable.

    Unlike :func:`normalize_commune_code` this never raises and accepts any five digits: whether the
    code exists is for a reference to say (so that an unknown code can be reported with suggestions).
    """
    text = clean_code(raw)
    if re.fullmatch(r"[0-9]{4,5}", text):
        return text.zfill(5)
    if re.fullmatch(r"2[AB][0-9]{3}", text):
        return text
    return None


def loose_department_code(raw: str) -> str | None:
    """Read a user's department code (``4`` → ``"04"``, ``2a`` → ``"2A"``, ``971``); ``None`` if unreadable.

    Unlike :func:`normalize_department_code` this never raises and keeps codes that do not exist, such
    as ``"20"`` (Corsica before 1976) or ``"00"``: a reference says whether they exist, and ``"20"`` can
    then be answered with 2A and 2B.
    """
    text = clean_code(raw)
    if re.fullmatch(r"[0-9]{1,2}", text):
        return text.zfill(2)
    if re.fullmatch(r"9[78][0-9]", text) or re.fullmatch(r"2[AB]", text):
        return text
    return None


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
    arrondissement_names:
        Municipal arrondissement code → official name.
    former_all:
        Former commune code → every current commune listing it in ``anciensCodes`` (a few codes of
        communes split since belong to two).
    arrondissement_of:
        Current commune code → its (departmental) arrondissement code, e.g. ``24037`` → ``241``.
    """

    communes: Mapping[str, tuple[str, str, str, int | None]]
    former: Mapping[str, str]
    delegated: Mapping[str, str]
    arrondissements: Mapping[str, str]
    arrondissement_names: Mapping[str, str] = field(default_factory=dict)
    former_all: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    arrondissement_of: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> Cog:
        """Build from the entries of ``communes.json``.

        Entries need ``code`` and ``nom``; without ``type`` an entry is a current commune, and
        ``departement``, ``region``, ``population``, ``anciensCodes``, ``chefLieu`` and ``commune`` (the
        parent of an arrondissement) may be missing.
        """
        communes: dict[str, tuple[str, str, str, int | None]] = {}
        former: dict[str, str] = {}
        former_all: dict[str, set[str]] = {}
        delegated: dict[str, str] = {}
        arrondissements: dict[str, str] = {}
        arrondissement_names: dict[str, str] = {}
        arrondissement_of: dict[str, str] = {}
        for entry in records:
            code, kind = str(entry["code"]), entry.get("type") or "commune-actuelle"
            if kind == "commune-actuelle":
                population = entry.get("population")
                communes[code] = (
                    str(entry["nom"]),
                    str(entry.get("departement", "")),
                    str(entry.get("region", "")),
                    int(population) if isinstance(population, int | float) and population == population else None,
                )
                ancient = entry.get("anciensCodes") or []
                if isinstance(ancient, Iterable) and not isinstance(ancient, str):
                    for old in ancient:
                        former[str(old)] = code
                        former_all.setdefault(str(old), set()).add(code)
                if entry.get("arrondissement"):
                    arrondissement_of[code] = str(entry["arrondissement"])
            elif kind in ("commune-deleguee", "commune-associee") and isinstance(entry.get("chefLieu"), str):
                delegated[code] = str(entry["chefLieu"])
            elif kind == "arrondissement-municipal":
                arrondissement_names[code] = str(entry["nom"])
                if entry.get("commune"):
                    arrondissements[code] = str(entry["commune"])
        return cls(
            communes,
            former,
            delegated,
            arrondissements,
            arrondissement_names,
            {old: tuple(sorted(codes)) for old, codes in former_all.items()},
            arrondissement_of,
        )

    @classmethod
    def from_file(cls, path: Path) -> Cog:
        """Read ``communes.json``."""
        with Path(path).open(encoding="utf-8") as handle:
            return cls.from_records(json.load(handle))

    def is_current(self, code: str) -> bool:
        """Whether ``code`` is a current commune or a municipal arrondissement."""
        return code in self.communes or code in self.arrondissement_names

    def successors(self, code: str) -> tuple[str, ...]:
        """Current communes that took over ``code``, a code that is no longer current, sorted.

        Those listing it in ``anciensCodes``, and the ``chefLieu`` of a commune déléguée or associée;
        ``()`` for a current code or a code the COG does not know.
        """
        if self.is_current(code):
            return ()
        found = set(self.former_all.get(code, ()))
        chef = self.delegated.get(code)
        if chef is not None and self.is_current(chef):
            found.add(chef)
        return tuple(sorted(found))

    def replaced_codes(self) -> list[str]:
        """Every code that is no longer current and has a successor (see :meth:`successors`)."""
        candidates = set(self.former_all) | set(self.delegated)
        return sorted(c for c in candidates if self.successors(c))

    def commune_names(self) -> dict[str, str]:
        """Code → official name of the current communes and the municipal arrondissements."""
        names = {code: entry[0] for code, entry in self.communes.items()}
        names.update(self.arrondissement_names)
        return names

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


def load_cog_json(path: Path | str) -> tuple[Cog, dict[str, str] | None]:
    """Read ``communes.json`` of the COG (geo.api.gouv.fr layout), and ``departements.json`` beside it.

    Parameters
    ----------
    path:
        The ``communes.json`` file.

    Returns
    -------
    tuple
        The :class:`Cog`, and department code → name (``None`` when ``departements.json`` is absent).

    Raises
    ------
    DataError
        If a file is missing or unreadable, saying how to fetch it again.
    """
    path = Path(path)
    try:
        cog = Cog.from_records(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise DataError(
            f"Référentiel des communes introuvable : {str(path)!r}.",
            hint="Lancez « cnrmap fetch --only cog » pour le télécharger.",
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"Référentiel des communes illisible : {str(path)!r} ({exc}).",
            hint="Supprimez le fichier et relancez « cnrmap fetch --only cog ».",
        ) from exc
    dep_path = path.with_name("departements.json")
    if not dep_path.is_file():
        return cog, None
    try:
        departments = {str(d["code"]): str(d["nom"]) for d in json.loads(dep_path.read_text(encoding="utf-8"))}
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"Référentiel des départements illisible : {str(dep_path)!r} ({exc}).") from exc
    return cog, departments
