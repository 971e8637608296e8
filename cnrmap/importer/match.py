"""Codes → territories: the code index, level detection, suggestions for unknown codes, column guessing.

Every INSEE code is read by :mod:`cnrmap.geo.codes`; :class:`CodeIndex` is the importer's lookup table
built from its :class:`~cnrmap.geo.codes.Cog`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cnrmap.config import Settings
from cnrmap.errors import DataError, Problem
from cnrmap.geo.codes import Cog, clean_code, load_cog_json, loose_commune_code, loose_department_code
from cnrmap.importer.read import RawTable
from cnrmap.importer.report import Level, Suggestion
from cnrmap.importer.values import decimal_mark, parse_number

_CODE_HINTS = ("code", "insee", "codgeo", "depcom", "com", "dep", "cog", "departement", "commune")
_VALUE_HINTS = ("valeur", "value", "taux", "nombre", "nb", "densit", "part", "indic", "apl", "%", "effectif")


@dataclass(frozen=True)
class CodeIndex:
    """Known territory codes and names an imported file is matched against, built from the COG.

    Attributes
    ----------
    communes:
        Current commune code → name (communes actuelles and arrondissements municipaux).
    departements:
        Department code → name.
    old_codes:
        Code that is no longer current (``anciensCodes``, communes déléguées or associées) → codes of
        the current communes it now belongs to (:meth:`cnrmap.geo.codes.Cog.successors`).
    """

    communes: Mapping[str, str]
    departements: Mapping[str, str]
    old_codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_cog(cls, cog: Cog, departements: Mapping[str, str] | None = None) -> CodeIndex:
        """Index a :class:`~cnrmap.geo.codes.Cog`.

        Parameters
        ----------
        cog:
            The communes and their history.
        departements:
            Department code → name. Without it, the departments of the communes, named by their code.
        """
        if departements is None:
            departements = {dep: dep for _, dep, _, _ in cog.communes.values() if dep}
        old = {code: cog.successors(code) for code in cog.replaced_codes()}
        return cls(communes=cog.commune_names(), departements=dict(departements), old_codes=old)

    @classmethod
    def from_frames(cls, communes: pd.DataFrame, departements: pd.DataFrame | None = None) -> CodeIndex:
        """Build an index from COG-like frames.

        Parameters
        ----------
        communes:
            Columns ``code`` and ``nom``; optional ``type`` (``commune-actuelle``,
            ``arrondissement-municipal``, ``commune-deleguee``, ``commune-associee``), ``departement``,
            ``anciensCodes`` (list of codes) and ``chefLieu`` (current commune of a déléguée/associée).
            Without ``type`` every row is a current commune.
        departements:
            Columns ``code`` and ``nom``. Without it, department codes come from ``communes.departement``
            and are their own names.
        """
        missing = {"code", "nom"} - set(communes.columns)
        if missing:
            raise DataError(f"Table des communes sans colonne(s) {sorted(missing)!r}.")
        records = [{k: v for k, v in rec.items() if not _is_missing(v)} for rec in communes.to_dict("records")]
        names = None
        if departements is not None:
            names = {str(c): str(n) for c, n in zip(departements["code"], departements["nom"], strict=True)}
        return cls.from_cog(Cog.from_records(records), names)

    @classmethod
    def from_cog_json(cls, path: Path | str) -> CodeIndex:
        """Read ``communes.json`` of the COG, and ``departements.json`` beside it (:func:`~cnrmap.geo.codes.load_cog_json`)."""
        cog, departements = load_cog_json(path)
        return cls.from_cog(cog, departements)

    def name(self, code: str, level: Level) -> str:
        """Name of a known code at ``level`` (the code itself when unknown)."""
        table = self.communes if level == "commune" else self.departements
        return table.get(code, code)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def reference_for_settings(settings: Settings) -> CodeIndex:
    """The code reference of the fetched COG (``cnrmap fetch --only cog``), or of a folder mirror."""
    from cnrmap.sources.catalog import get_source

    source = get_source("cog")
    candidates = [source.local_path(settings, source.files[0])]
    if settings.mirror and "://" not in settings.mirror:
        candidates.append(Path(settings.mirror) / source.files[0].path)
    for path in candidates:
        if path.is_file():
            return CodeIndex.from_cog_json(path)
    raise DataError(
        "Référentiel des communes (COG) introuvable.",
        problems=[Problem(str(p), "absent") for p in candidates],
        hint="Lancez « cnrmap fetch --only cog », ou définissez CNRMAP_MIRROR vers un miroir local.",
    )


def detect_level(cells: list[str], reference: CodeIndex) -> Level | None:
    communes = sum(1 for c in cells if loose_commune_code(c) in reference.communes)
    departements = sum(1 for c in cells if loose_department_code(c) in reference.departements)
    if communes == departements == 0:
        long = sum(1 for c in cells if len(clean_code(c)) >= 4)
        return "commune" if long * 2 > len(cells) else ("departement" if cells else None)
    return "commune" if communes >= departements else "departement"


class Suggester:
    """Finds the known territories an unknown code may stand for; indexes are built once per import."""

    def __init__(self, reference: CodeIndex, level: Level | None) -> None:
        self.reference = reference
        self.level = level
        self.table = reference.communes if level == "commune" else reference.departements
        self._by_prefix: dict[str, list[str]] | None = None
        self._by_name: dict[str, list[str]] | None = None

    def _codes_like(self, key: str) -> list[str]:
        if self._by_prefix is None:
            self._by_prefix = {}
            for code in self.table:
                self._by_prefix.setdefault(code[:2], []).append(code)
        # A commune code keeps its department prefix; a department code is compared with all.
        return self._by_prefix.get(key[:2], []) if self.level == "commune" else list(self.table)

    def _names_like(self, text: str) -> list[str]:
        if self._by_name is None:
            self._by_name = {}
            for code, name in self.table.items():
                self._by_name.setdefault(name.lower(), []).append(code)
        names = difflib.get_close_matches(text.strip().lower(), list(self._by_name), n=3, cutoff=0.8)
        return [code for name in names for code in self._by_name[name][:3]]

    def __call__(self, raw: str) -> tuple[Suggestion, ...]:
        ref, level, table = self.reference, self.level, self.table
        commune = loose_commune_code(raw)
        dep = loose_department_code(raw)
        if commune and commune in ref.old_codes:
            return tuple(
                Suggestion(code, ref.communes.get(code, code), "ancien code, commune fusionnée")
                for code in ref.old_codes[commune]
            )
        if level == "commune" and dep and dep in ref.departements:
            return (Suggestion(dep, ref.departements[dep], "code de département, pas de commune"),)
        if level == "departement" and commune and commune in ref.communes:
            return (Suggestion(commune, ref.communes[commune], "code de commune, pas de département"),)
        if level == "departement" and dep == "20":
            return tuple(
                Suggestion(c, ref.departements[c], "la Corse est divisée en 2A et 2B depuis 1976")
                for c in ("2A", "2B")
                if c in ref.departements
            )
        key = commune if level == "commune" else dep
        if key:
            matches = difflib.get_close_matches(key, self._codes_like(key), n=3, cutoff=0.75)
            return tuple(Suggestion(c, table[c], "code proche (faute de frappe ?)") for c in matches)
        if re.search(r"[A-Za-zÀ-ÿ]{3}", raw):
            return tuple(Suggestion(c, table[c], "nom proche : mettez le code INSEE") for c in self._names_like(raw))
        return ()


def _filled(series: pd.Series) -> list[str]:
    return [c for c in series.tolist() if isinstance(c, str) and c.strip()]


def _code_score(name: str, cells: list[str], reference: CodeIndex | None) -> float:
    if not cells:
        return 0.0
    sample = cells[:2000]
    shaped = sum(1 for c in sample if loose_commune_code(c) or loose_department_code(c)) / len(sample)
    decimals = sum(1 for c in sample if re.search(r"\d[.,]\d", c) and not re.fullmatch(r"\s*\d+\.0+\s*", c))
    score = shaped - decimals / len(sample)
    lowered = name.lower()
    if any(h in lowered for h in _CODE_HINTS):
        score += 1.0
    if any(h in lowered for h in _VALUE_HINTS):
        score -= 1.0
    if reference is not None:
        known = sum(
            1
            for c in sample
            if loose_commune_code(c) in reference.communes or loose_department_code(c) in reference.departements
        )
        score += known / len(sample)
    distinct = len(set(sample)) / len(sample)
    return score + 0.25 * distinct


def guess_columns(
    raw: RawTable, reference: CodeIndex | None = None, *, exclude: Sequence[str] = ()
) -> tuple[str | None, str | None]:
    """Propose the code column and the value column.

    Parameters
    ----------
    raw:
        The table from :func:`read_table`.
    reference:
        When given, columns whose codes are known score higher.
    exclude:
        Columns not to propose (e.g. the one the user already chose for the other role).

    Returns
    -------
    tuple
        ``(code_column, value_column)``; either is ``None`` when no column fits.
    """
    frame = raw.frame
    code_col: str | None = None
    best = 0.5
    for name in frame.columns:
        if name in exclude:
            continue
        score = _code_score(str(name), _filled(frame[name]), reference)
        if score > best:
            code_col, best = str(name), score
    value_col: str | None = None
    best_num = 0.0  # any numeric cell at all: the user confirms the proposal
    for name in frame.columns:
        if name == code_col or name in exclude:
            continue
        cells = _filled(frame[name])[:2000]
        if not cells:
            continue
        decimal = decimal_mark(cells)
        numeric = sum(1 for c in cells if parse_number(c, decimal) is not None) / len(cells)
        if any(h in str(name).lower() for h in ("code", "annee", "année", "year", "siren")):
            numeric -= 0.3
        if numeric > best_num:
            value_col, best_num = str(name), numeric
    if value_col is None:
        others = [str(c) for c in frame.columns if c not in (code_col, *exclude) and _filled(frame[c])]
        value_col = others[0] if len(others) == 1 else None
    return code_col, value_col
