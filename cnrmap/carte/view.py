"""What the Carte page, ``cnrmap render`` and the export show: one state in, one map and its table out.

:class:`MapState` is the whole map configuration (and its URL query parameters). :func:`build_view` loads
what the state needs and calls :func:`compose_view`, a pure function over already loaded frames (tested
without files). :func:`territory_detail` and :func:`click_to_code` serve the page's click panel.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from cnrmap import vocab
from cnrmap.carte import classify
from cnrmap.config import Settings
from cnrmap.curated import definitions as aggregate
from cnrmap.errors import DataError
from cnrmap.geo import topology
from cnrmap.geo.codes import department_of_commune
from cnrmap.leaflet import mapbuild

LEVELS: dict[str, str] = {"departement": "Départements", "commune": "Communes"}
LAYERS: dict[str, str] = {
    "projets": "Projets du CNR santé",
    "reunions": "Réunions du CNR santé",
    "limites": "Limites administratives",
}
NEEDS: dict[str, str] = {
    "zip_sans_projet": "Communes en ZIP sans projet",
    "seuil_sans_projet": "Territoires sous le seuil sans projet",
    "projet_hors_besoin": "Projets hors des territoires en besoin",
}
NEED_ZONES = ("ZIP", "ZAC")
TERRITORY_RE = re.compile(r"^(FR|region:\d{2}|departement:(?:\d{2}|2A|2B|97[1-6]))$")
INDICATOR_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
CODE_RE = re.compile(r"^(?:\d{2}|2A|2B|97\d|\d[0-9AB]\d{3})$")
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
        Project statuses shown (keys of :data:`cnrmap.vocab.STATUSES`).
    layers : tuple of str
        Layers shown among :data:`LAYERS`.
    fixed_breaks : bool
        Classes computed over all of France at that level, so that two maps are comparable.
    basemap : bool
        Light tile basemap; ``False`` = "sans fond de carte" (limits are still drawn).
    need : str or None
        Cross-reading filter, a key of :data:`NEEDS`.
    threshold : float or None
        Threshold of the ``seuil_sans_projet`` / ``projet_hors_besoin`` filters (default: France value).
    """

    territory: str = "FR"
    level: str = "departement"
    indicator: str | None = None
    method: str = "quantiles"
    classes: int = 5
    palette: str = classify.DEFAULT_PALETTE
    overlay: str | None = None
    theme: str | None = None
    statuses: tuple[str, ...] = tuple(vocab.STATUSES)
    layers: tuple[str, ...] = tuple(LAYERS)
    fixed_breaks: bool = True
    basemap: bool = True
    need: str | None = None
    threshold: float | None = None

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
        ):
            problem = _check(name, value)
            if problem:
                raise ValueError(problem)

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
    if key in ("fixed_breaks", "basemap"):
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
    if key in ("indicator", "overlay", "theme", "need"):
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
    elif name == "threshold":
        ok = value is None or (isinstance(value, int | float) and math.isfinite(value))
        expected = "un nombre"
    else:
        return None
    return None if ok else f"valeur {value!r} invalide (attendu : {expected})"


@dataclass(frozen=True)
class IndicatorData:
    """One indicator's description and values, as :func:`compose_view` needs them.

    ``values`` has ``code`` and ``value`` for the territories shown; ``france_values`` the same over all of
    France at that level (for fixed breaks); ``references`` reference values by region code and ``"FR"``.
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


@dataclass(frozen=True)
class ViewInputs:
    """Already loaded data for :func:`compose_view`.

    ``departments`` is the full department layer (``code``, ``name``, ``region_code``, geometry);
    ``communes`` the communes of the shown departments (``code``, ``name``, ``department_code``, geometry)
    when the level or the overlay needs them; ``communes_scale`` names the scale (:data:`mapbuild.SCALES`)
    they are already simplified for, if any (then they are not simplified again). ``department_scales`` holds
    department geometries already simplified for some scales (scale → GeoSeries indexed by code).
    """

    departments: gpd.GeoDataFrame
    indicator: IndicatorData
    communes: gpd.GeoDataFrame | None = None
    overlay: IndicatorData | None = None
    zoning: pd.DataFrame | None = None
    region_names: Mapping[str, str] = field(default_factory=dict)
    boundaries: tuple[str, ...] = ()
    reports: tuple[Any, ...] = ()
    warnings: tuple[str, ...] = ()
    communes_scale: str | None = None
    department_scales: Mapping[str, gpd.GeoSeries] = field(default_factory=dict)


@dataclass
class ViewResult:
    """What the page shows.

    Attributes
    ----------
    map : folium.Map
        The map (assets served from ``/app/static/vendor``; use :func:`cnrmap.leaflet.assets.inline_html` to export).
    table : pandas.DataFrame
        Territories shown: ``code``, ``name``, ``value``, ``value_label``, ``class``, ``class_label``, ``rank``,
        ``projects`` (number of projects located there), ``selected`` (cross-reading filter), ``region_code``.
    legends : list of LegendSpec
        The legends drawn on the map.
    warnings : list of str
        French warnings (fallbacks, missing data).
    notes : list of str
        French notes (cross-reading summary, counting rules).
    boundaries : list of str
        Which boundaries are in use (French sentences).
    unmatched : list
        Join reports (:class:`cnrmap.geo.reconcile.JoinReport`) of values and boundaries.
    state : MapState
        The state actually drawn (after fallbacks).
    breaks : list of float
        Class edges (numeric indicator), else ``[]``.
    indicator, overlay : IndicatorData
        The indicators drawn.
    """

    map: folium.Map
    table: pd.DataFrame
    legends: list[mapbuild.LegendSpec]
    warnings: list[str]
    notes: list[str]
    boundaries: list[str]
    unmatched: list[Any]
    state: MapState
    breaks: list[float]
    indicator: IndicatorData
    overlay: IndicatorData | None = None

    def fresh_map(self) -> folium.Map:
        """A copy of :attr:`map` to hand to ``st_folium``, which rewrites the ids of the map it is given.

        Given the remembered map itself, a second page showing the same view (a reload, another visitor) got
        a broken script and no map. The copy shares the layers' data (read only) with the original.
        """
        shared: dict[int, Any] = {}
        stack = [self.map.get_root()]
        while stack:
            element = stack.pop()
            data = getattr(element, "data", None)
            if isinstance(data, dict | list):
                shared[id(data)] = data
            stack.extend(getattr(element, "_children", {}).values())
        return copy.deepcopy(self.map, shared)


# ---------------------------------------------------------------------------------------------------------
# Pure part


def project_communes(projects: pd.DataFrame) -> pd.DataFrame:
    """One row per (project, commune) for projects located in communes: columns ``id``, ``code``."""
    if projects.empty or "commune_codes" not in projects.columns:
        return pd.DataFrame({"id": pd.Series(dtype="string"), "code": pd.Series(dtype="string")})
    precise = projects[projects["location_precision"] != "departement"]
    rows = [
        (pid, code.strip())
        for pid, codes in zip(precise["id"], precise["commune_codes"], strict=True)
        if isinstance(codes, str)
        for code in codes.replace(",", ";").split(";")
        if code.strip()
    ]
    return pd.DataFrame(rows, columns=["id", "code"]).astype("string")


def project_counts(projects: pd.DataFrame, level: str) -> pd.Series:
    """Number of projects per territory code; at commune level, department-wide projects do not count."""
    if projects.empty:
        return pd.Series(dtype="int64")
    if level == "departement":
        return projects["department_code"].value_counts()
    return project_communes(projects)["code"].value_counts()


def _shown_departments(state: MapState, departments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if state.scope == "FR":
        return departments
    code = state.territory_code
    column = "region_code" if state.scope == "region" else "code"
    shown = departments[departments[column] == code]
    if shown.empty:
        what = "Région" if state.scope == "region" else "Département"
        raise DataError(f"{what} inconnu(e) : {code!r}.", hint="Choisir un territoire dans la liste.")
    return shown


def _bounds(gdf: gpd.GeoDataFrame, state: MapState) -> tuple[float, ...] | None:
    if gdf.empty:
        return None
    if state.scope == "FR":
        metro = gdf[~gdf["code"].astype(str).str.startswith("97")]
        if not metro.empty:
            return tuple(metro.total_bounds)
    return tuple(gdf.total_bounds)


def _scale(state: MapState, level: str) -> str:
    if state.scope == "FR":
        return "france"
    if state.scope == "region":
        return "region"
    return "departement" if level == "commune" else "region"


def _outline_scale(state: MapState) -> str:
    """Scale of the department and region outlines."""
    return "france" if state.scope == "FR" else "region"


def _simplified_departments(
    shapes: gpd.GeoDataFrame, scale: str, known: Mapping[str, gpd.GeoSeries]
) -> gpd.GeoDataFrame:
    """``shapes`` (departments, column ``code``) simplified for ``scale``: precomputed geometries when given."""
    simplified = known.get(scale)
    if simplified is None or not shapes["code"].isin(simplified.index).all():
        return mapbuild.simplify_for_scale(shapes, scale)
    out = shapes.to_crs(simplified.crs) if shapes.crs is not None else shapes.set_crs(simplified.crs)
    return out.set_geometry(
        gpd.GeoSeries(simplified.loc[shapes["code"]].to_numpy(), index=out.index, crs=simplified.crs)
    )


def _merge_values(shapes: gpd.GeoDataFrame, values: pd.DataFrame) -> gpd.GeoDataFrame:
    vals = values[["code", "value"]].drop_duplicates("code")
    out = shapes.merge(vals, on="code", how="left")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=shapes.crs)


def _need_selection(
    state: MapState,
    table: pd.DataFrame,
    level: str,
    indicator: IndicatorData,
    zoning: pd.Series | None,
    notes: list[str],
    warnings: list[str],
) -> pd.Series | None:
    """Boolean Series (by table index) of the territories the cross-reading filter keeps, or ``None``."""
    if state.need is None:
        return None
    has_project = table["projects"] > 0
    unit_word = "communes" if level == "commune" else "départements"

    def worse_than_threshold() -> pd.Series | None:
        if indicator.kind != "numeric":
            return None
        threshold = state.threshold
        if threshold is None:
            threshold = indicator.references.get("FR")
            if threshold is None:
                warnings.append("Lecture croisée : aucun seuil donné ni valeur France connue ; filtre ignoré.")
                return None
            notes.append(f"Seuil : valeur France ({mapbuild.format_value(threshold, indicator.unit)}).")
        values = pd.to_numeric(table["value"], errors="coerce")
        if indicator.higher_is_better is False:
            worse, word = values > threshold, "au-dessus de"
        else:
            worse, word = values < threshold, "sous"
        notes.append(f"Besoin = valeur {word} {mapbuild.format_value(threshold, indicator.unit)}.")
        return worse.fillna(False)

    if state.need == "zip_sans_projet":
        if zoning is None:
            warnings.append(
                "Le filtre « communes en ZIP sans projet » demande le zonage par commune : "
                "choisir le niveau Communes. Filtre ignoré."
            )
            return None
        selected = (table["code"].map(zoning) == "ZIP") & ~has_project
        label = f"{int(selected.sum())} {unit_word} en ZIP sans projet localisé"
    elif state.need == "seuil_sans_projet":
        worse = worse_than_threshold()
        if worse is None:
            if indicator.kind != "numeric":
                warnings.append(
                    "Le filtre « sous le seuil sans projet » demande un indicateur numérique. Filtre ignoré."
                )
            return None
        selected = worse & ~has_project
        label = f"{int(selected.sum())} {unit_word} en besoin sans projet localisé"
    else:  # projet_hors_besoin
        if zoning is not None:
            need = table["code"].map(zoning).isin(NEED_ZONES)
            notes.append("Besoin = commune en ZIP ou ZAC.")
        else:
            need = worse_than_threshold()
            if need is None:
                warnings.append("Le filtre « projets hors besoin » demande un seuil ou le zonage. Filtre ignoré.")
                return None
        selected = has_project & ~need
        label = f"{int(selected.sum())} {unit_word} avec projet hors des territoires en besoin"
    notes.insert(0, f"Lecture croisée : {label} (sur {len(table)}).")
    if level == "commune":
        notes.append("Les projets à l'échelle du département ne sont comptés dans aucune commune.")
    return selected.astype(bool)


def compose_view(
    state: MapState,
    inputs: ViewInputs,
    projects: pd.DataFrame,
    proposals: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
) -> ViewResult:
    """Build the map and its table from loaded data (no file access).

    Parameters
    ----------
    state : MapState
        What to show.
    inputs : ViewInputs
        Boundaries and indicator values.
    projects, proposals, meetings : DataFrame
        The curated CNR datasets (proposals are not drawn; they serve :func:`territory_detail`).

    Returns
    -------
    ViewResult

    Raises
    ------
    DataError
        If the territory is unknown or the level needs communes that were not given.
    """
    warnings = list(inputs.warnings)
    notes: list[str] = []
    level = state.level
    departments = inputs.departments
    shown_deps = _shown_departments(state, departments)
    dep_codes = list(shown_deps["code"])
    region_of_dep = dict(zip(departments["code"], departments["region_code"], strict=True))

    if level == "commune":
        if inputs.communes is None:
            raise DataError("Contours communaux non chargés pour ce territoire.")
        shapes = inputs.communes[inputs.communes["department_code"].isin(dep_codes)][
            ["code", "name", "department_code", "geometry"]
        ].copy()
        shapes["region_code"] = shapes["department_code"].map(region_of_dep)
    else:
        shapes = shown_deps[["code", "name", "region_code", "geometry"]].copy()
        shapes["department_code"] = shapes["code"]
    shapes = gpd.GeoDataFrame(shapes, geometry="geometry", crs=departments.crs)
    scale = _scale(state, level)
    if level == "departement":
        shapes = _simplified_departments(shapes, scale, inputs.department_scales)
    elif inputs.communes_scale != scale:
        shapes = mapbuild.simplify_for_scale(shapes, scale)

    # Projects and meetings of the territory, filtered by theme and status.
    themes = [state.theme] if state.theme else None
    shown_projects = aggregate.filter_projects(projects, themes=themes, departments=dep_codes)
    shown_projects = shown_projects[shown_projects["status"].isin(state.statuses)]
    shown_meetings = aggregate.filter_meetings(meetings, dep_codes) if meetings is not None else pd.DataFrame()

    indicator = inputs.indicator
    gdf = _merge_values(shapes, indicator.values)
    counts = project_counts(shown_projects, level)
    projects_per_code = gdf["code"].map(counts).fillna(0).astype(int)
    zoning_series = None
    if inputs.zoning is not None and level == "commune":
        zoning_series = inputs.zoning.drop_duplicates("code").set_index("code")["value"]
    elif indicator.kind == "categorical" and level == "commune" and set(indicator.categories) & set(NEED_ZONES):
        zoning_series = indicator.values.drop_duplicates("code").set_index("code")["value"]
    selected = _need_selection(
        state, gdf.assign(projects=projects_per_code), level, indicator, zoning_series, notes, warnings
    )
    if selected is not None:
        gdf["dimmed"] = ~selected.to_numpy()

    if indicator.kind == "numeric" and state.fixed_breaks and indicator.france_values is None:
        warnings.append("Valeurs de toute la France indisponibles : classes calculées sur le territoire affiché.")
    main, breaks = _main_layer(state, gdf, indicator, inputs.region_names)
    missing = int(main.gdf["colour"].isna().sum())
    if missing:
        unit_word = "communes" if level == "commune" else "départements"
        warnings.append(f"{missing} {unit_word} sans valeur pour « {indicator.label} » (en gris : donnée manquante).")

    overlay_layer = None
    overlay = inputs.overlay
    if overlay is not None:
        if overlay.level == "commune" and inputs.communes is not None:
            ov_shapes = inputs.communes[inputs.communes["department_code"].isin(dep_codes)][
                ["code", "name", "geometry"]
            ]
            ov_scale = "departement" if state.scope == "departement" else "region"
        else:
            ov_shapes = shapes[["code", "name", "geometry"]]
            ov_scale = None
        ov_shapes = gpd.GeoDataFrame(ov_shapes, geometry="geometry", crs=departments.crs)
        if ov_scale and inputs.communes_scale != ov_scale:
            ov_shapes = mapbuild.simplify_for_scale(ov_shapes, ov_scale)
        ov_gdf = _merge_values(ov_shapes, overlay.values)
        if overlay.kind == "categorical":
            overlay_layer = mapbuild.categorical_layer(
                ov_gdf,
                categories=overlay.categories,
                label=overlay.label,
                vintage=overlay.vintage,
                source=overlay.source,
                outline_only=True,
                name=f"{overlay.label} (contours)",
            )
        else:
            warnings.append(f"La surcouche « {overlay.label} » n'est pas catégorielle : non dessinée.")

    outlines: list[mapbuild.OutlineLayer] = []
    if "limites" in state.layers:
        deps_simpl = _simplified_departments(
            shown_deps[["code", "region_code", "geometry"]], _outline_scale(state), inputs.department_scales
        )
        if level == "commune" or overlay_layer is not None:
            outlines.append(
                mapbuild.OutlineLayer(
                    "Limites des départements", _border_lines(deps_simpl), colour="#444444", weight=1.3
                )
            )
        outlines.append(
            mapbuild.OutlineLayer(
                "Limites des régions", _border_lines(deps_simpl, "region_code"), colour="#222222", weight=2.2
            )
        )

    points_projects = shown_projects if "projets" in state.layers else None
    if points_projects is not None and len(points_projects):
        points_projects = _with_places(points_projects, inputs.communes, departments)
    points_meetings = shown_meetings if "reunions" in state.layers and len(shown_meetings) else None

    n_features = len(main.gdf)
    # All departments as shared arcs: their borders sent once (about half the page of France by department).
    main.compact = level == "departement" and n_features > 50
    if n_features > HEAVY_FEATURES:
        notes.append(f"Carte lourde ({n_features} territoires) : l'affichage peut être lent.")
    m = mapbuild.build_map(
        main,
        overlay=overlay_layer,
        outlines=outlines,
        projects=points_projects,
        meetings=points_meetings,
        basemap=state.basemap,
        bounds=_bounds(main.gdf, state),
        prefer_canvas=n_features > 500,
    )
    table_columns = ["code", "name", "value", "class", "class_label", "rank", "region_code", "value_label"]
    table = pd.DataFrame(main.gdf[table_columns]).copy()
    table.insert(6, "projects", projects_per_code.to_numpy())
    table["selected"] = selected.to_numpy() if selected is not None else True
    table = table.sort_values("code").reset_index(drop=True)
    legends = [main.legend]
    if overlay_layer is not None:
        legends.append(overlay_layer.legend)
    spec = mapbuild.points_legend(points_projects, points_meetings)
    if spec is not None:
        legends.append(spec)
    return ViewResult(
        map=m,
        table=table,
        legends=legends,
        warnings=warnings,
        notes=notes,
        boundaries=list(inputs.boundaries),
        unmatched=list(inputs.reports),
        state=replace(state, indicator=indicator.id, overlay=overlay.id if overlay else None),
        breaks=breaks,
        indicator=indicator,
        overlay=overlay,
    )


def _main_layer(
    state: MapState, gdf: gpd.GeoDataFrame, indicator: IndicatorData, region_names: Mapping[str, str]
) -> tuple[mapbuild.ChoroplethLayer, list[float]]:
    """The choropleth of ``indicator`` with its ``class_label`` and ``value_label`` columns, and its breaks.

    Remembered by content (shapes, codes, names, values, faded territories, indicator description, classes):
    a theme or status filter does not change the choropleth, so its rerun gets the very same layer, whose page
    text :class:`cnrmap.leaflet.mapbuild.CompactChoropleth` then also remembers. Callers must not modify it.
    """
    columns = [c for c in ("code", "name", "value", "region_code", "dimmed") if c in gdf.columns]
    france = indicator.france_values if state.fixed_breaks and indicator.kind == "numeric" else None
    basis = (indicator.values if france is None else france) if indicator.kind == "numeric" else None
    key = (
        topology.fingerprint(gdf.geometry.to_numpy()),
        _frame_digest(gdf[columns]),
        None if basis is None else _frame_digest(basis[["code", "value"]]),  # what the breaks are computed on
        indicator.id, indicator.kind, indicator.label, indicator.unit, indicator.vintage, indicator.source,
        tuple(indicator.categories.items()), tuple(sorted(indicator.references.items())),
        state.method, state.classes, state.palette, tuple(sorted(region_names.items())),
    )  # fmt: skip
    if key in _MAIN_LAYERS:
        _MAIN_LAYERS[key] = _MAIN_LAYERS.pop(key)  # most recently used last
        return _MAIN_LAYERS[key]
    result = _compute_main_layer(state, gdf, indicator, france, region_names)
    result[0].content_key = key
    _MAIN_LAYERS[key] = result
    while len(_MAIN_LAYERS) > _MAIN_LAYERS_MAX:
        _MAIN_LAYERS.pop(next(iter(_MAIN_LAYERS)))
    return result


# Memo of _main_layer (a national commune layer is ~35,000 rows: few entries).
_MAIN_LAYERS: dict[tuple, tuple[mapbuild.ChoroplethLayer, list[float]]] = {}
_MAIN_LAYERS_MAX = 4


def _frame_digest(frame: pd.DataFrame) -> str:
    """Digest of a frame's columns and values (not of its index)."""
    digest = hashlib.blake2b(repr(list(frame.columns)).encode(), digest_size=16)
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _compute_main_layer(
    state: MapState,
    gdf: gpd.GeoDataFrame,
    indicator: IndicatorData,
    france: pd.DataFrame | None,
    region_names: Mapping[str, str],
) -> tuple[mapbuild.ChoroplethLayer, list[float]]:
    breaks: list[float] = []
    if indicator.kind == "numeric":
        basis = indicator.values if france is None else france
        breaks = classify.compute_breaks(basis["value"], state.method, state.classes)
        main = mapbuild.numeric_layer(
            gdf,
            breaks=breaks,
            palette=state.palette,
            label=indicator.label,
            unit=indicator.unit,
            vintage=indicator.vintage,
            source=indicator.source,
            method=state.method,
            fixed_breaks=france is not None,
            references=indicator.references,
            region_names=region_names,
        )
        labels = classify.class_labels(breaks)
        main.gdf["class_label"] = [
            labels[int(c)] if pd.notna(c) and int(c) < len(labels) else mapbuild.MISSING_LABEL
            for c in main.gdf["class"]
        ]
        decimals = mapbuild.value_decimals(main.gdf["value"])
        main.gdf["value_label"] = [mapbuild.format_value(v, indicator.unit, decimals) for v in main.gdf["value"]]
    else:
        main = mapbuild.categorical_layer(
            gdf,
            categories=indicator.categories,
            label=indicator.label,
            vintage=indicator.vintage,
            source=indicator.source,
        )
        main.gdf["class_label"] = [
            indicator.categories.get(v, v) if v is not None else mapbuild.MISSING_LABEL
            for v in main.gdf["value"].tolist()
        ]
        main.gdf["value_label"] = main.gdf["class_label"]
    return main, breaks


def _border_lines(gdf: gpd.GeoDataFrame, by: str | None = None) -> gpd.GeoDataFrame:
    """Borders as lines, each shared border once (half the payload of polygon outlines); remembered per shapes."""
    key = topology.fingerprint(gdf.geometry.to_numpy(), by, list(gdf[by]) if by else None)
    if key not in _BORDERS:
        _BORDERS[key] = _compute_border_lines(gdf, by)
        while len(_BORDERS) > 16:
            _BORDERS.pop(next(iter(_BORDERS)))
    return _BORDERS[key].copy()


_BORDERS: dict[str, gpd.GeoDataFrame] = {}


def _compute_border_lines(gdf: gpd.GeoDataFrame, by: str | None = None) -> gpd.GeoDataFrame:
    if by is not None:
        parts = []
        for _, group in gdf.groupby(by):
            try:
                parts.append(shapely.coverage_union_all(group.geometry.to_numpy()))
            except shapely.errors.GEOSException:
                parts.append(shapely.union_all(group.geometry.to_numpy()))
    else:
        parts = list(gdf.geometry)
    lines = shapely.line_merge(shapely.union_all(shapely.boundary([p for p in parts if p is not None])))
    return gpd.GeoDataFrame({"code": ["limites"]}, geometry=[lines], crs=gdf.crs)


def _commune_names(communes: gpd.GeoDataFrame) -> dict[str, str]:
    """Commune name by code, remembered for the last layers seen (the national layer is shared across reruns)."""
    key = id(communes)
    known = _NAMES.get(key)
    if known is not None and known[0] is communes:
        return known[1]
    names = dict(zip(communes["code"].tolist(), communes["name"].tolist(), strict=True))
    _NAMES[key] = (communes, names)  # holds the frame: its id cannot be reused while remembered
    while len(_NAMES) > 4:
        _NAMES.pop(next(iter(_NAMES)))
    return names


_NAMES: dict[int, tuple[gpd.GeoDataFrame, dict[str, str]]] = {}


def _with_places(projects: pd.DataFrame, communes: gpd.GeoDataFrame | None, departments: pd.DataFrame) -> pd.DataFrame:
    dep_names = dict(zip(departments["code"], departments["name"], strict=True))
    com_names = _commune_names(communes) if communes is not None else {}
    places = []
    for _, row in projects.iterrows():
        dep = f"{dep_names.get(row['department_code'], row['department_code'])} ({row['department_code']})"
        codes = row.get("commune_codes")
        if row["location_precision"] == "departement" or not isinstance(codes, str) or not codes.strip():
            places.append(f"{dep}, département entier" if row["location_precision"] == "departement" else dep)
            continue
        names = [com_names.get(c.strip(), c.strip()) for c in codes.split(";") if c.strip()]
        places.append(", ".join(names[:5]) + (" …" if len(names) > 5 else "") + f" — {dep}")
    out = projects.copy()
    out["place"] = places
    return out


# ---------------------------------------------------------------------------------------------------------
# Loading part


def _indicator_module():
    from cnrmap.indicators import official as indicators

    return indicators


def _categories(meta: Any) -> dict[str, str]:
    raw = getattr(meta, "categories", None) or ()
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    return {str(c): vocab.ZONING.get(str(c), str(c)) for c in raw}


def default_indicator(indicators: Sequence[Any], level: str) -> str | None:
    """GP density at department level, GP zoning at commune level (else the first installed one of that level)."""
    of_level = [i for i in indicators if level in getattr(i, "levels", ()) and getattr(i, "installed", True)]
    wanted = ("densit", "numeric") if level == "departement" else ("zonage", "categorical")
    for ind in of_level:
        if wanted[0] in ind.id and ind.kind == wanted[1]:
            return ind.id
    return of_level[0].id if of_level else None


def unit_for_level(unit: str, level: str) -> str:
    """The part of a « catégorie (commune) ; % … (département) » unit that applies to ``level``."""
    if ";" not in unit:
        return unit
    word = "commune" if level == "commune" else "départ"
    for part in unit.split(";"):
        if word in part:
            return re.sub(r"\s*\((?:commune|département)\)\s*", " ", part).strip()
    return unit


def _values(result: Any) -> tuple[pd.DataFrame, Any]:
    if isinstance(result, tuple):
        frame, report = result[0], (result[1] if len(result) > 1 else None)
    else:
        frame, report = result, None
    frame = pd.DataFrame(frame)[["code", "value"]].copy()
    frame["code"] = frame["code"].astype(str)
    return frame, report


def _load_indicator(
    meta: Any,
    level: str,
    settings: Settings,
    departments: list[str] | None,
    france: bool,
    reports: list[Any],
) -> IndicatorData:
    mod = _indicator_module()
    values, report = _values(mod.indicator_values(meta.id, level, settings, departments=departments))
    if report is not None:
        reports.append(report)
    # An indicator may change kind with the level (GP zoning: category by commune, % in ZIP by department).
    kind = "numeric" if pd.api.types.is_numeric_dtype(values["value"]) else meta.kind
    france_values = None
    if france and kind == "numeric":
        france_values = values
        if departments is not None:
            france_values, _ = _values(mod.indicator_values(meta.id, level, settings, departments=None))
    references: dict[str, float] = {}
    if kind == "numeric" and hasattr(mod, "reference_values"):
        try:
            references = dict(mod.reference_values(meta.id, settings))
        except (DataError, KeyError, ValueError):
            references = {}
    return IndicatorData(
        id=meta.id,
        label=meta.label,
        kind=kind,
        level=level,
        values=values,
        unit=unit_for_level(getattr(meta, "unit", "") or "", level),
        vintage=str(getattr(meta, "vintage", "") or ""),
        source=getattr(meta, "source", "") or "",
        categories=_categories(meta),
        higher_is_better=getattr(meta, "higher_is_better", None),
        france_values=france_values,
        references=references,
    )


def build_view(
    state: MapState,
    settings: Settings,
    projects: pd.DataFrame,
    proposals: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
    extra_indicators: Mapping[str, IndicatorData] | None = None,
) -> ViewResult:
    """Load what ``state`` needs (boundaries, indicator values) and compose the map.

    Parameters
    ----------
    state : MapState
        What to show.
    settings : Settings
        Paths and caches.
    projects, proposals, meetings : DataFrame
        The curated CNR datasets (:mod:`cnrmap.curated.load`). They also give the CNR-derived indicators
        (:mod:`cnrmap.indicators.cnr`: proposals and projects per department, with the theme filter).
    extra_indicators : mapping of id to IndicatorData, optional
        Indicators already computed by the caller (an indicator the user imported for the session).

    Returns
    -------
    ViewResult

    Raises
    ------
    DataError
        Unknown territory, indicator not installed, commune boundaries not fetched (French message with the
        command to run).
    """
    from cnrmap.geo import boundaries

    warnings: list[str] = []
    reports: list[Any] = []
    dep_layer = _department_layer(settings)
    departments = dep_layer.gdf
    boundary_notes = [dep_layer.description]
    if getattr(dep_layer, "report", None) is not None:
        reports.append(dep_layer.report)
    try:
        region_names = dict(zip(*(boundaries.region_reference(settings)[c] for c in ("code", "name")), strict=True))
    except (DataError, AttributeError):
        region_names = {}
    dep_codes = list(_shown_departments(state, departments)["code"])

    catalogue = {i.id: i for i in _indicator_module().list_indicators(settings)}
    computed = _computed_indicators(state, projects, proposals, extra_indicators)
    catalogue |= {key: meta for key, (meta, _) in computed.items()}
    indicator_id = state.indicator
    if indicator_id is not None and (
        indicator_id not in catalogue or state.level not in catalogue[indicator_id].levels
    ):
        label = LEVELS[state.level].lower()
        warnings.append(f"Indicateur {indicator_id!r} indisponible au niveau {label} : indicateur par défaut.")
        indicator_id = None
    if indicator_id is None:
        indicator_id = default_indicator(list(catalogue.values()), state.level)
        if indicator_id is None:
            hints = [i.install_hint for i in catalogue.values() if i.install_hint]
            raise DataError(
                f"Aucun indicateur disponible au niveau {LEVELS[state.level].lower()}.",
                hint=hints[0] if hints else None,
            )
    meta = catalogue[indicator_id]
    if not getattr(meta, "installed", True):
        raise DataError(f"L'indicateur « {meta.label} » n'est pas installé.", hint=getattr(meta, "install_hint", None))

    overlay_meta = None
    if state.overlay is not None:
        overlay_meta = catalogue.get(state.overlay)
        if overlay_meta is None or not getattr(overlay_meta, "installed", True):
            warnings.append(f"Surcouche {state.overlay!r} indisponible : ignorée.")
            overlay_meta = None
    overlay_level = None
    if overlay_meta is not None:
        if "commune" in overlay_meta.levels and state.scope != "FR":
            overlay_level = "commune"
        elif state.level in overlay_meta.levels:
            overlay_level = state.level
        else:
            warnings.append(f"Surcouche « {overlay_meta.label} » indisponible à cette échelle : ignorée.")
            overlay_meta = None

    communes, communes_scale = None, None
    if state.level == "commune" or overlay_level == "commune":
        # Shapes simplified once for this scale (national cache) when available: no simplification per rerun.
        scale = _scale(state, "commune")
        com_layer, simplified = _communes_for_scale(settings, dep_codes, scale)
        communes_scale = scale if simplified else None
        communes = com_layer.gdf
        boundary_notes.append(com_layer.description)
        if getattr(com_layer, "report", None) is not None:
            reports.append(com_layer.report)

    if indicator_id in computed:
        indicator = computed[indicator_id][1]()
    else:
        indicator = _load_indicator(
            meta, state.level, settings, dep_codes if state.level == "commune" else None, state.fixed_breaks, reports
        )
    if state.level == "commune":
        indicator = replace(
            indicator, values=indicator.values[_departments_of(indicator.values["code"]).isin(dep_codes)]
        )
    if state.level == "departement":
        indicator = replace(indicator, values=indicator.values[indicator.values["code"].isin(dep_codes)])
    overlay = None
    if overlay_meta is not None and overlay_level is not None:
        overlay = _load_indicator(overlay_meta, overlay_level, settings, dep_codes, False, reports)

    zoning = None
    if state.need in ("zip_sans_projet", "projet_hors_besoin") and state.level == "commune":
        zoning_id = default_indicator(list(catalogue.values()), "commune")
        if indicator.kind == "categorical" and set(indicator.categories) & set(NEED_ZONES):
            zoning = indicator.values
        elif overlay is not None and overlay.kind == "categorical" and overlay.level == "commune":
            zoning = overlay.values
        elif zoning_id is not None and catalogue[zoning_id].kind == "categorical":
            zoning, _ = _values(
                _indicator_module().indicator_values(zoning_id, "commune", settings, departments=dep_codes)
            )

    wanted_scales = [_scale(state, "departement")] if state.level == "departement" else []
    if "limites" in state.layers:
        wanted_scales.append(_outline_scale(state))
    inputs = ViewInputs(
        departments=departments,
        department_scales=_department_scales(settings, wanted_scales),
        indicator=indicator,
        communes=communes,
        communes_scale=communes_scale,
        overlay=overlay,
        zoning=zoning,
        region_names=region_names,
        boundaries=tuple(boundary_notes),
        reports=tuple(reports),
        warnings=tuple(warnings),
    )
    return compose_view(state, inputs, projects, proposals, meetings)


def _departments_of(codes: pd.Series) -> pd.Series:
    """``codes.map(department_of_commune)``, vectorised for codes already canonical (``33063``, ``2A004``, ``97411``)."""
    codes = codes.astype(str)
    canonical = codes.str.fullmatch(r"(?:\d{2}|2[AB])\d{3}") & ~codes.str.startswith("00")
    out = codes.str[:2].where(~codes.str.startswith("97"), codes.str[:3])
    if not canonical.all():
        out[~canonical] = codes[~canonical].map(department_of_commune)
    return out


def _file_state(path: Path) -> tuple[str, int, int] | tuple[str]:
    """Path, modification time and size of a file (just the path if it does not exist)."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path),)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _department_files(settings: Settings) -> tuple:
    """State of the files the department layer is read from (a change invalidates the memos)."""
    from cnrmap.geo import boundaries
    from cnrmap.sources.catalog import get_source

    source = get_source("departements")
    fetched = source.local_path(settings, source.files[0])
    files = (
        fetched,
        boundaries.geoparquet_path(fetched),
        settings.embedded_geo_dir / boundaries.EMBEDDED_DEPARTMENTS,
        settings.data_dir / "reference" / "departements.csv",
    )
    return tuple(_file_state(p) for p in files)


def _department_layer(settings: Settings) -> Any:
    """:func:`cnrmap.geo.boundaries.load_departments`, read again only when one of its files changes.

    The layer is shared between calls: nothing in this module modifies it in place.
    """
    return _cached_department_layer(settings, _department_files(settings))


def _department_scales(settings: Settings, scales: Iterable[str]) -> dict[str, gpd.GeoSeries]:
    """Department geometries simplified for each of ``scales`` (:func:`cnrmap.geo.boundaries.load_department_scale`)."""
    files = _department_files(settings)
    return {scale: _cached_department_scale(settings, files, scale) for scale in dict.fromkeys(scales)}


@functools.lru_cache(maxsize=8)
def _cached_department_scale(settings: Settings, files_key: tuple, scale: str) -> gpd.GeoSeries:
    from cnrmap.geo import boundaries

    return boundaries.load_department_scale(settings, _cached_department_layer(settings, files_key), scale)


def _communes_for_scale(settings: Settings, dep_codes: Sequence[str], scale: str) -> tuple[Any, bool]:
    """:func:`cnrmap.geo.boundaries.load_communes_for_scale`, remembered while the national cache is unchanged.

    Keyed on the departments, the scale and the size and date of the national cache files and of the sources
    its manifest vouches for; only layers read from that cache (already simplified) are remembered. The
    layer is shared between calls: nothing in this module modifies it in place.
    """
    from cnrmap.geo import boundaries, commune_cache

    try:
        sources, cog_path = boundaries._commune_sources(settings, boundaries.installed_commune_departments(settings))
        files = (
            commune_cache.folder(settings) / commune_cache.MANIFEST,
            commune_cache.path_for(settings, scale),
            cog_path,
            *(sources[d] for d in sorted(sources)),
        )
        key = (settings, tuple(dep_codes), scale, tuple(_file_state(p) for p in files))
    except (AttributeError, TypeError, ValueError, DataError):
        return boundaries.load_communes_for_scale(settings, dep_codes, scale)
    if key in _COMMUNES:
        _COMMUNES[key] = _COMMUNES.pop(key)  # most recently used last
        return _COMMUNES[key]
    result = boundaries.load_communes_for_scale(settings, dep_codes, scale)
    if result[1]:
        _COMMUNES[key] = result
        while len(_COMMUNES) > _COMMUNES_MAX:
            _COMMUNES.pop(next(iter(_COMMUNES)))
    return result


# Memo of _communes_for_scale (a national layer is ~35,000 rows: few entries).
_COMMUNES: dict[tuple, tuple[Any, bool]] = {}
_COMMUNES_MAX = 4


@functools.lru_cache(maxsize=4)
def _cached_department_layer(settings: Settings, files_key: tuple) -> Any:
    from cnrmap.geo import boundaries

    return boundaries.load_departments(settings)


def _computed_indicators(
    state: MapState,
    projects: pd.DataFrame,
    proposals: pd.DataFrame | None,
    extra: Mapping[str, IndicatorData] | None,
) -> dict[str, tuple[Any, Callable[[], IndicatorData]]]:
    """Indicators that are not read from files (the CNR-derived ones, the caller's): description, and values.

    The values are computed only for the indicator shown (a call of the second element).
    """
    from cnrmap.indicators import cnr as cnr_indicators

    metas = {meta.id: meta for meta in cnr_indicators.catalogue(state.theme)}
    computed: dict[str, tuple[Any, Callable[[], IndicatorData]]] = {
        cnr_indicators.PROJECTS_ID: (
            metas[cnr_indicators.PROJECTS_ID],
            lambda: cnr_indicators.projects_indicator(projects, state.theme, state.statuses),
        )
    }
    if proposals is not None:
        computed[cnr_indicators.PROPOSALS_ID] = (
            metas[cnr_indicators.PROPOSALS_ID],
            lambda: cnr_indicators.proposals_indicator(proposals, state.theme),
        )
    for key, data in (extra or {}).items():
        computed[key] = (_meta_of(data), lambda data=data: data)
    return computed


def _meta_of(data: IndicatorData) -> Any:
    from cnrmap.indicators.official import Indicator

    return Indicator(
        data.id,
        data.label,
        data.unit,
        data.vintage,
        data.source,
        (data.level,),
        data.kind,
        dict(data.categories) or None,
        data.higher_is_better,
        True,
        "",
    )


# ---------------------------------------------------------------------------------------------------------
# Click panel


def click_to_code(returned: Mapping[str, Any] | None) -> str | None:
    """The territory code clicked on the map, from what ``st_folium`` returns, or ``None``.

    Reads ``last_active_drawing.properties.code`` (every polygon feature carries ``code``); clicks on points
    or outside the polygons give ``None``.
    """
    if not returned:
        return None
    drawing = returned.get("last_active_drawing")
    if not isinstance(drawing, Mapping):
        return None
    props = drawing.get("properties")
    if not isinstance(props, Mapping):
        return None
    code = props.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        return None
    return code


def _records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in frame.columns]
    out = []
    for rec in frame[cols].to_dict("records"):
        out.append({k: (None if mapbuild._isna(v) else v) for k, v in rec.items()})
    return out


def territory_detail(
    code: str,
    level: str,
    view: ViewResult,
    projects: pd.DataFrame,
    proposals: pd.DataFrame,
) -> dict[str, Any]:
    """What the click panel shows for one territory.

    Parameters
    ----------
    code : str
        Department or commune code (from :func:`click_to_code`).
    level : str
        ``departement`` or ``commune``.
    view : ViewResult
        The view the click happened on (its table gives the values and ranks).
    projects, proposals : DataFrame
        The curated datasets (all of them: the panel lists every project of the territory).

    Returns
    -------
    dict
        ``code``, ``name``, ``level``, ``department_code``, ``region_code``, ``indicators`` (list of dicts:
        ``id``, ``label``, ``value``, ``display``, ``rank``, ``of``, ``region_reference``,
        ``france_reference``), ``projects`` (located in the territory), ``department_projects``
        (department-wide projects, commune level), ``proposals`` (``{"departement": {theme label: [texts]},
        "region": {...}}``), ``proposal_count``; ``{}`` if the territory is not on the map.
    """
    table = view.table
    row = table[table["code"] == code]
    if row.empty:
        return {}
    r = row.iloc[0]
    region_code = r.get("region_code")
    department_code = code if level == "departement" else department_of_commune(code)
    ind = view.indicator
    shown = int(table["value"].notna().sum()) if ind.kind == "numeric" else None
    entry: dict[str, Any] = {
        "id": ind.id,
        "label": ind.label,
        "value": None if mapbuild._isna(r["value"]) else r["value"],
        "display": r["value_label"],
        "unit": ind.unit,
        "vintage": ind.vintage,
        "source": ind.source,
        "rank": None if mapbuild._isna(r["rank"]) else int(r["rank"]),
        "of": shown,
        "class_label": r["class_label"],
        "region_reference": ind.references.get(region_code) if region_code else None,
        "france_reference": ind.references.get("FR"),
    }
    indicators = [entry]
    if view.overlay is not None:
        ov = view.overlay.values.drop_duplicates("code").set_index("code")["value"]
        key = code if view.overlay.level == level else None
        value = ov.get(key) if key else None
        if value is not None and not mapbuild._isna(value):
            indicators.append(
                {
                    "id": view.overlay.id,
                    "label": view.overlay.label,
                    "value": value,
                    "display": view.overlay.categories.get(value, str(value)),
                    "unit": view.overlay.unit,
                    "vintage": view.overlay.vintage,
                    "source": view.overlay.source,
                    "rank": None,
                    "of": None,
                    "class_label": view.overlay.categories.get(value, str(value)),
                    "region_reference": None,
                    "france_reference": None,
                }
            )

    project_cols = ["id", "title", "theme", "status", "status_date", "location_precision", "source", "summary"]
    if level == "departement":
        mine = projects[projects["department_code"] == code]
        wide = projects.iloc[0:0]
    else:
        ids = set(project_communes(projects).query("code == @code")["id"])
        mine = projects[projects["id"].isin(ids)]
        wide = projects[
            (projects["department_code"] == department_code) & (projects["location_precision"] == "departement")
        ]

    def described(frame: pd.DataFrame) -> list[dict[str, Any]]:
        recs = _records(frame, project_cols)
        for rec in recs:
            rec["theme_label"] = vocab.THEME_SHORT.get(rec.get("theme") or "", rec.get("theme"))
            rec["status_label"] = vocab.STATUSES.get(rec.get("status") or "", rec.get("status"))
        return recs

    props = aggregate.filter_proposals(proposals) if len(proposals) else proposals
    by_scope: dict[str, dict[str, list[str]]] = {"departement": {}, "region": {}}
    count = 0
    if len(props):
        dep_rows = props[(props["scope_level"] == "departement") & (props["territory_code"] == department_code)]
        reg_rows = props[(props["scope_level"] == "region") & (props["region_code"] == region_code)]
        for scope, rows in (("departement", dep_rows), ("region", reg_rows)):
            for theme, part in rows.groupby("theme", sort=False):
                by_scope[scope][vocab.THEME_SHORT.get(theme, theme)] = [str(t) for t in part["text"]]
                count += len(part)
    return {
        "code": code,
        "name": r["name"],
        "level": level,
        "department_code": department_code,
        "region_code": region_code,
        "indicators": indicators,
        "projects": described(mine),
        "department_projects": described(wide),
        "proposals": by_scope,
        "proposal_count": count,
    }
