"""The map's state: everything that decides what the Carte shows, and its URL query parameters.

One adapter for every entry point: the Carte page reads and writes the URL with
:meth:`MapState.from_query_params` / :meth:`MapState.to_query_params`; ``cnrmap render``, ``export`` and
``deck`` build the same state from their options (:mod:`cnrmap.cli.options`). Parameter names and values
of existing links keep working.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cnrmap import vocab
from cnrmap.carte import classify
from cnrmap.curated.definitions import Filters

LEVELS: dict[str, str] = {"departement": "Départements", "commune": "Communes"}
LAYERS: dict[str, str] = {
    "projets": "Projets du CNR santé",
    "reunions": "Réunions du CNR santé",
    "limites": "Limites administratives",
    "noms": "Noms des lieux (préfectures, grandes communes)",
    "codes": "Codes des départements",
}
# Shown unless the URL says otherwise (department codes are an option).
DEFAULT_LAYERS: tuple[str, ...] = ("projets", "reunions", "limites", "noms")
BASEMAPS: dict[str, str] = {
    "clair": "Fond clair (hors ligne)",
    "osm": "Fond OpenStreetMap (internet)",
    "aucun": "Sans fond (blanc)",
}
# Links made before the offline base: ``basemap=1`` asked for the online tiles, ``basemap=0`` for none.
LEGACY_BASEMAPS: dict[str, str] = {
    "1": "osm",
    "true": "osm",
    "oui": "osm",
    "0": "aucun",
    "false": "aucun",
    "non": "aucun",
}
PLACE_RE = re.compile(r"^(?:\d[0-9AB]\d{3}|97\d{3})$")
NEEDS: dict[str, str] = {
    "sous_seuil": "Territoires en besoin (seuil usuel : APL 2,5 ; sinon valeur France)",
    "zip_sans_projet": "Communes en ZIP sans projet",
    "seuil_sans_projet": "Territoires sous le seuil sans projet",
    "projet_hors_besoin": "Projets hors des territoires en besoin",
}
NEED_ZONES = ("ZIP", "ZAC")
TERRITORY_RE = re.compile(r"^(FR|region:\d{2}|departement:(?:\d{2}|2A|2B|97[1-6]))$")
INDICATOR_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
YEAR_RE = re.compile(r"^\d{4}$")
# Beyond this many communes the map gets heavy in the browser: said in the notes.
HEAVY_FEATURES = 2500

_TRUE = {"1", "true", "oui", "yes", "on"}
_FALSE = {"0", "false", "non", "no", "off"}


@dataclass(frozen=True)
class MapState:
    """Everything that decides what the map shows.

    Attributes
    ----------
    territory : str
        ``"FR"``, ``"region:93"`` or ``"departement:13"``.
    level : str
        ``"departement"`` or ``"commune"``.
    indicator : str or None
        Indicator id; ``None`` = default for the level (GP density by department, GP zoning by commune).
    method, classes, palette : str, int, str
        Classification (keys of :data:`cnrmap.carte.classify.METHODS` / :data:`cnrmap.carte.classify.PALETTES`).
    overlay : str or None
        Indicator drawn as coloured outlines over the main one (e.g. GP zoning over density).
    theme : str or None
        Only the projects of this theme (key of :data:`cnrmap.vocab.THEMES`).
    statuses : tuple of str
        Project statuses shown (keys of :data:`cnrmap.vocab.STATUSES`); empty = all, like every filter
        (:class:`cnrmap.curated.definitions.Filters`). Selecting every status is stored as empty.
    layers : tuple of str
        Layers shown among :data:`LAYERS`.
    fixed_breaks : bool
        Classes computed over all of France at that level, so that two maps are comparable.
    basemap : str
        A key of :data:`BASEMAPS`: ``clair`` (offline Natural Earth base, the default), ``osm`` (online
        OpenStreetMap tiles) or ``aucun`` (white). Old links' ``1`` / ``0`` read as ``osm`` / ``aucun``
        (:data:`LEGACY_BASEMAPS`).
    need : str or None
        Cross-reading filter, a key of :data:`NEEDS`.
    threshold : float or None
        Threshold of the ``sous_seuil`` / ``seuil_sans_projet`` / ``projet_hors_besoin`` filters (default: the
        indicator's usual threshold, APL 2.5, else the France value).
    year : str or None
        Year of an indicator with years (APL by commune); ``None`` = its latest year.
    from_year : str or None
        Start year of an evolution: the map shows the change from ``from_year`` to ``year``.
    figure : str or None
        Which figure of the documents the « Chiffres cités par les documents » layer shows (a key of
        :data:`cnrmap.vocab.FIGURE_INDICATORS`; ``None`` = patients without a médecin traitant).
    as_of : str or None
        Day the projects' statuses are read at (``YYYY-MM-DD``, URL ``as_of``); ``None`` = today.
    place : str or None
        A commune searched for: outlined, labelled and zoomed to when it is on the map.
    """

    territory: str = "FR"
    level: str = "departement"
    indicator: str | None = None
    method: str = "quantiles"
    classes: int = 5
    palette: str = classify.DEFAULT_PALETTE
    overlay: str | None = None
    theme: str | None = None
    statuses: tuple[str, ...] = ()
    layers: tuple[str, ...] = DEFAULT_LAYERS
    fixed_breaks: bool = True
    basemap: str = "clair"
    need: str | None = None
    threshold: float | None = None
    as_of: str | None = None
    year: str | None = None
    from_year: str | None = None
    figure: str | None = None
    place: str | None = None

    def __post_init__(self) -> None:
        for name, value in (
            ("territory", self.territory),
            ("level", self.level),
            ("indicator", self.indicator),
            ("method", self.method),
            ("classes", self.classes),
            ("palette", self.palette),
            ("overlay", self.overlay),
            ("theme", self.theme),
            ("statuses", self.statuses),
            ("layers", self.layers),
            ("need", self.need),
            ("threshold", self.threshold),
            ("as_of", self.as_of),
            ("year", self.year),
            ("from_year", self.from_year),
            ("figure", self.figure),
            ("basemap", self.basemap),
            ("place", self.place),
        ):
            problem = _check(name, value)
            if problem:
                raise ValueError(problem)
        object.__setattr__(self, "statuses", self.filters.statuses)

    @property
    def filters(self) -> Filters:
        """The theme and status filters of this state (the one meaning of "empty = all")."""
        return Filters(themes=(self.theme,) if self.theme else (), statuses=self.statuses)

    @property
    def as_of_date(self) -> dt.date:
        """The day the projects' statuses are read at (today when ``as_of`` is not set)."""
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()

    @property
    def scope(self) -> str:
        """``FR``, ``region`` or ``departement``."""
        return self.territory.split(":", 1)[0]

    @property
    def territory_code(self) -> str | None:
        """Code of the region or department, ``None`` for France."""
        return self.territory.split(":", 1)[1] if ":" in self.territory else None

    def to_query_params(self) -> dict[str, str]:
        """URL query parameters (strings) of the values that differ from the defaults, plus territory and level."""
        default = MapState()
        out: dict[str, str] = {"territory": self.territory, "level": self.level}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in out or value == getattr(default, f.name):
                continue
            out[f.name] = _encode(value)
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any]) -> tuple[MapState, list[str]]:
        """Read a state from query parameters; bad values fall back to the default, with a French warning.

        Parameters
        ----------
        params : mapping
            ``st.query_params`` (or any mapping of str to str or list of str). Unknown keys are ignored.

        Returns
        -------
        (MapState, list of str)
            The state and the warnings (one per rejected value).
        """
        values: dict[str, Any] = {}
        warnings: list[str] = []
        known = {f.name: f for f in fields(cls)}
        for key, raw in params.items():
            if key not in known:
                continue
            if isinstance(raw, list | tuple):
                if not raw:
                    continue
                raw = raw[-1]
            try:
                value = _decode(key, str(raw))
            except ValueError:
                warnings.append(f"Paramètre « {key} » ignoré : valeur {str(raw)!r} invalide.")
                continue
            problem = _check(key, value)
            if problem:
                warnings.append(f"Paramètre « {key} » ignoré : {problem}.")
                continue
            values[key] = value
        return cls(**values), warnings


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(value) if value else "aucun"
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _decode(key: str, raw: str) -> Any:
    raw = raw.strip()
    if key == "basemap":
        low = raw.lower()
        return LEGACY_BASEMAPS.get(low, low)
    if key == "fixed_breaks":
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(raw)
    if key == "classes":
        return int(raw)
    if key == "threshold":
        if not raw:
            return None
        number = float(raw.replace(",", ".").replace("\u202f", "").replace(" ", ""))
        if not math.isfinite(number):
            raise ValueError(raw)
        return number
    if key in ("statuses", "layers"):
        if raw in ("", "aucun"):
            return ()
        return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if key in ("indicator", "overlay", "theme", "need", "as_of", "year", "from_year", "figure", "place"):
        return raw or None
    if key == "territory":
        return parse_territory(raw)
    return raw


def parse_territory(raw: str) -> str:
    """Normalise ``fr``, ``Region:93``, ``departement:2a``, ``departement:4`` → ``FR``, ``region:93``, …

    Raises
    ------
    ValueError
        If the text is not a territory (the value is quoted).
    """
    text = str(raw).strip()
    if text.upper() == "FR":
        return "FR"
    scope, _, code = text.partition(":")
    scope, code = scope.strip().lower(), code.strip().upper()
    if scope in ("departement", "département") and code.isdigit() and len(code) == 1:
        code = "0" + code
    result = f"{'departement' if scope.startswith('d') else scope}:{code}"
    if not TERRITORY_RE.match(result):
        raise ValueError(f"territoire invalide : {raw!r} (attendu : FR, region:CODE ou departement:CODE)")
    return result


def as_of_problem(text: str) -> str | None:
    """What is wrong with an ``as_of`` day (French), or ``None``: a real ``YYYY-MM-DD`` day, not in the future."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return f"date {text!r} : format AAAA-MM-JJ attendu"
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return f"date {text!r} inexistante"
    return f"date {text!r} dans le futur" if day > dt.date.today() else None


def parse_as_of(text: str | None) -> str | None:
    """``--as-of`` / URL value → ISO day (``None`` for empty or today, which is the default).

    Raises
    ------
    ValueError
        If the text is not a past or present day (French message quoting it).
    """
    text = (text or "").strip()
    if not text or text == dt.date.today().isoformat():
        return None
    problem = as_of_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _check(name: str, value: Any) -> str | None:
    """French description of what is wrong with a state value, or ``None``."""
    ok = True
    if name == "territory":
        ok = isinstance(value, str) and bool(TERRITORY_RE.match(value))
        expected = "FR, region:CODE ou departement:CODE"
    elif name == "level":
        ok, expected = value in LEVELS, " ou ".join(LEVELS)
    elif name in ("indicator", "overlay"):
        ok = value is None or (isinstance(value, str) and bool(INDICATOR_RE.match(value)))
        expected = "un identifiant d'indicateur"
    elif name == "method":
        ok, expected = value in classify.METHODS, ", ".join(classify.METHODS)
    elif name == "classes":
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and classify.MIN_CLASSES <= value <= classify.MAX_CLASSES
        expected = f"{classify.MIN_CLASSES} à {classify.MAX_CLASSES}"
    elif name == "palette":
        ok, expected = value in classify.PALETTES, ", ".join(classify.PALETTES)
    elif name == "theme":
        ok, expected = value is None or value in vocab.THEMES, ", ".join(vocab.THEMES)
    elif name == "statuses":
        ok = isinstance(value, tuple) and all(v in vocab.STATUSES for v in value)
        expected = ", ".join(vocab.STATUSES)
    elif name == "layers":
        ok = isinstance(value, tuple) and all(v in LAYERS for v in value)
        expected = ", ".join(LAYERS)
    elif name == "need":
        ok, expected = value is None or value in NEEDS, ", ".join(NEEDS)
    elif name == "as_of":
        if value is None:
            return None
        return as_of_problem(value) if isinstance(value, str) else f"valeur {value!r} invalide (AAAA-MM-JJ attendu)"
    elif name in ("year", "from_year"):
        ok, expected = value is None or (isinstance(value, str) and bool(YEAR_RE.match(value))), "une année (AAAA)"
    elif name == "figure":
        ok, expected = value is None or value in vocab.FIGURE_INDICATORS, "un indicateur des documents"
    elif name == "basemap":
        ok, expected = value in BASEMAPS, ", ".join(BASEMAPS)
    elif name == "place":
        ok = value is None or (isinstance(value, str) and bool(PLACE_RE.match(value)))
        expected = "un code de commune INSEE"
    elif name == "threshold":
        ok = value is None or (isinstance(value, int | float) and math.isfinite(value))
        expected = "un nombre"
    else:
        return None
    return None if ok else f"valeur {value!r} invalide (attendu : {expected})"
