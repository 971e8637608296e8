"""The documents' own figures as map values: one indicator of the vocabulary at a time, beside official values.

Reads ``data/document_figures.csv`` (every territorial figure printed in the seed documents, see
``data/README.md``). A layer shows one indicator of the vocabulary (:data:`cnrmap.vocab.FIGURE_INDICATORS`): the
territories of the map's level with a figure are coloured, the others are « Non cité par les documents »; region
and France figures become the reference values; figures about smaller territories (arrondissements, communes,
lists of communes) become :class:`Mark` s drawn on the territories they name; figures about territories without an
INSEE code (EPCI, workshop areas) are listed. Figures are never corrected: when a territory has several, the most
recent is drawn (then the most often printed, then the first) and the panel lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cnrmap import vocab
from cnrmap.french import format_number, plural
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT, Indicator, IndicatorData, SideValue
from cnrmap.sources.provenance import cite

DOCUMENTS_ID = "documents"
DEFAULT_FIGURE = "patients_sans_mt_part"
NOT_CITED = "Non cité par les documents"
SOURCE = (
    "Chiffres imprimés dans les documents du CNR santé (synthèses régionales et départementales), relevés par cnrmap"
)
PATIENTS_OFFLINE_NOTE = (
    "Chiffres cités par les synthèses régionales, années diverses ; pas de source nationale installée"
)
# Figures that are counts (integer classes) and the direction of "better" where there is one.
COUNTS = ("population", "nb_medecins_generalistes", "nb_professionnels", "nb_msp", "nb_cpts", "nb_centres_sante",
          "nb_etablissements", "patients_sans_mt_nombre", "passages_urgences")  # fmt: skip
HIGHER_IS_BETTER = {"patients_sans_mt_part": False, "patients_sans_mt_nombre": False, "part_mg_60_ans_plus": False,
                    "densite_medecins_generalistes": True, "apl_medecins_generalistes": True, "taux_pauvrete": False,
                    "nb_medecins_generalistes": True}  # fmt: skip
# Official indicator → the documents' indicator that answers the same question, its unit and the official year.
OFFICIAL_TWINS: dict[str, tuple[str, str, str]] = {
    "densite_mg": ("densite_medecins_generalistes", "pour 100 000 habitants", "2024"),
    "population": ("population", "habitants", "2023"),
    "patients_sans_mt": ("patients_sans_mt_part", "%", ""),
    "apl_mg": ("apl_medecins_generalistes", "consultations par habitant et par an", ""),
    "zonage_mg": ("part_zip", "%", ""),
}
INDICATOR = Indicator(
    DOCUMENTS_ID, "Chiffres cités par les documents", "selon l'indicateur choisi", "années citées diverses", SOURCE,
    (DEPARTEMENT, COMMUNE), "numeric", None, None, True, "", origin="documents",
)  # fmt: skip
_PER = re.compile(r"pour\s*(100|10)\s?000\s*(?:habitants|hab)?", re.IGNORECASE)
_SUB_LEVELS = ("commune", "arrondissement", "epci", "zone_atelier", "autre")


def canonical_unit(unit: str) -> tuple[str, float]:
    """A unit as printed → (unit the map compares on, factor): densities go « pour 100 000 habitants »."""
    text = " ".join(str(unit).split())
    match = _PER.search(text)
    if match:
        return "pour 100 000 habitants", 10.0 if match[1] == "10" else 1.0
    if text.startswith("%"):
        return "%", 1.0
    if text in ("habitants", "hab"):
        return "habitants", 1.0
    return text, 1.0


def figure_label(figure: str) -> str:
    """French label of an indicator of the documents' vocabulary."""
    return vocab.FIGURE_INDICATORS.get(figure, figure)


def figure_choices(figures: pd.DataFrame) -> dict[str, str]:
    """Indicators of the vocabulary that have figures (not « autre »): key → « label (N chiffres) »."""
    if figures.empty:
        return {}
    counts = figures[figures["indicator"] != "autre"]["indicator"].value_counts()
    return {key: f"{label} ({plural(int(counts[key]), 'chiffre')})" for key, label in vocab.FIGURE_INDICATORS.items()
            if key in counts.index}  # fmt: skip


def codes_of(row: Mapping[str, object]) -> list[str]:
    return [c.strip() for c in str(row.get("territory_codes") or "").split(";") if c.strip()]


def display(value: float, unit: str) -> str:
    """« 7,49 % », « 102 458 habitants »: the figure in French, with as many decimals as printed, and its unit."""
    number = round(float(value), 6)
    decimals = 0 if number.is_integer() else min(len(repr(number).split(".")[1]), 3)
    text = format_number(number, decimals)
    return f"{text} {unit}".strip()


def _pick(rows: pd.DataFrame) -> pd.Series:
    """The figure drawn for a territory: the most recent year, then the most often printed value, then the first."""
    ranked = rows.assign(
        _year=rows["year"].str[-4:].replace("", "0000"),
        _times=rows.groupby("value")["value"].transform("size"),
    )
    return ranked.sort_values(["_year", "_times", "id"], ascending=[False, False, True]).iloc[0]


@dataclass(frozen=True)
class Mark:
    """A figure about a smaller territory, drawn as a labelled outline on the territories it names.

    ``level`` is ``commune`` (``codes``: one or several communes) or ``arrondissement``; ``label`` the text drawn
    on the map (« Arrondissement de Bergerac : 7,49 % »); ``detail`` the quotes and sources, one line each.
    """

    level: str
    codes: tuple[str, ...]
    department: str
    label: str
    detail: tuple[str, ...]


@dataclass(frozen=True)
class DocumentLayer:
    """A document indicator at one level: its values (``IndicatorData``), marks and unplaced territories."""

    data: IndicatorData
    marks: tuple[Mark, ...]
    unplaced: tuple[str, ...]


def _convertible(rows: pd.DataFrame) -> tuple[pd.DataFrame, str, list[str]]:
    """Rows in the most common (comparable) unit, values converted (per 10 000 → per 100 000), and notes."""
    units = rows["unit"].map(canonical_unit)
    rows = rows.assign(_unit=[u for u, _ in units], _factor=[f for _, f in units])
    target = rows["_unit"].value_counts().index[0]
    kept = rows[rows["_unit"] == target].copy()
    kept["value"] = kept["value"] * kept["_factor"]
    notes = []
    converted = int((kept["_factor"] != 1).sum())
    if converted:
        notes.append(f"{plural(converted, 'chiffre')} « pour 10 000 habitants » multiplié(s) par 10")
    dropped = rows[rows["_unit"] != target]
    if len(dropped):
        other = ", ".join(sorted(set(dropped["unit"])))
        notes.append(
            f"{plural(len(dropped), 'chiffre')} dans une autre unité ({other}) : non dessiné(s), voir le panneau"
        )
    return kept, target, notes


def _mark(rows: pd.DataFrame, level: str, codes: tuple[str, ...], unit: str) -> Mark:
    first = rows.sort_values("id").iloc[0]
    values = " / ".join(dict.fromkeys(display(v, unit) for v in rows.sort_values("id")["value"]))
    detail = tuple(
        f"{r.territory} : {display(r.value, unit)}" + (f" ({r.year})" if r.year else "") + f" — « {r.quote} » — "
        f"{cite(r.source)}"
        for r in rows.sort_values("id").itertuples()
    )
    return Mark(level, codes, str(first["department_code"]), f"{first['territory']} : {values}", detail)


def document_layer(
    figures: pd.DataFrame,
    figure: str,
    level: str,
    departments: list[str],
    regions: Mapping[str, str],
    *,
    indicator_id: str = DOCUMENTS_ID,
    label: str | None = None,
    notes: tuple[str, ...] = (),
) -> DocumentLayer:
    """The figures of one indicator of the vocabulary as a map layer at ``level`` over ``departments``.

    Parameters
    ----------
    figures : DataFrame
        ``data/document_figures.csv`` as loaded.
    figure : str
        A key of :data:`cnrmap.vocab.FIGURE_INDICATORS`.
    level : str
        ``departement`` or ``commune``.
    departments : list of str
        The departments shown (marks and unplaced figures are those of these departments).
    regions : mapping
        Department → region code (for the region reference values).
    indicator_id, label, notes :
        Id, label and first legend lines of the layer (the patients layer reuses this one under its own id).
    """
    rows = figures[figures["indicator"] == figure] if not figures.empty else figures
    unit, extra = "", []
    if len(rows):
        rows, unit, extra = _convertible(rows)
    shown = set(departments)
    values: dict[str, float] = {}
    wanted_level = "departement" if level == DEPARTEMENT else "commune"
    single = rows[(rows["territory_level"] == wanted_level) & (rows["territory_codes"].str.count(";") == 0)]
    single = single[single["territory_codes"] != ""]
    for code, group in single.groupby("territory_codes"):
        values[code] = float(_pick(group)["value"])
    references = {}
    for lvl in ("region", "france"):
        for code, group in rows[rows["territory_level"] == lvl].groupby("territory_codes"):
            references[code] = float(_pick(group)["value"])
    marks: list[Mark] = []
    subs = rows[rows["territory_level"].isin(_SUB_LEVELS) & rows["department_code"].isin(shown)]
    placed = subs[subs["territory_codes"] != ""]
    for (lvl, codes), group in placed.groupby(["territory_level", "territory_codes"]):
        if lvl == "commune" and level == COMMUNE and ";" not in codes:
            continue  # drawn as the commune's own value
        marks.append(_mark(group, lvl, tuple(codes.split(";")), unit))
    unplaced = tuple(
        dict.fromkeys(f"{r.territory} ({r.department_code})" for r in subs[subs["territory_codes"] == ""].itertuples())
    )
    kept = {
        c: v for c, v in values.items() if (c in shown if level == DEPARTEMENT else c[:2] in shown or c[:3] in shown)
    }
    frame = pd.DataFrame({"code": list(kept), "value": list(kept.values())}, dtype=object).astype({"value": float})
    everywhere = pd.DataFrame({"code": list(values), "value": list(values.values())}, dtype=object)
    years = sorted({y for y in rows["year"] if y})
    vintage = f"années citées : {', '.join(years)}" if years else "années non précisées"
    legend = list(notes) or ["Chiffres cités par les documents, années diverses"]
    legend += extra
    if len(single) > len(values):
        legend.append("Plusieurs chiffres pour un territoire : le plus récent est dessiné, tous sont dans le panneau")
    if unplaced:
        legend.append(
            f"{plural(len(unplaced), 'territoire')} sans code INSEE (EPCI, ateliers) non placé(s) sur la carte : "
            "voir le panneau de leur département"
        )
    data = IndicatorData(
        id=indicator_id, label=label or f"{figure_label(figure)} — chiffres cités par les documents",
        kind="numeric", level=level, values=frame, unit=unit, vintage=vintage, source=SOURCE,
        higher_is_better=HIGHER_IS_BETTER.get(figure), france_values=everywhere.astype({"value": float}),
        references=references,
        integer=figure in COUNTS, missing_default=NOT_CITED, notes=tuple(legend),
    )  # fmt: skip
    return DocumentLayer(data, tuple(marks), unplaced)


def side_values(
    figures: pd.DataFrame, official_id: str, data: IndicatorData, official_year: str = ""
) -> dict[str, tuple[SideValue, ...]]:
    """Documents' figures beside an official indicator's values: code → the figures for that territory.

    ``difference`` is the map's value minus the document's (``None`` when the map has no value there). The
    caveat says when the years differ or are not printed, and when a density was converted.
    """
    twin = OFFICIAL_TWINS.get(official_id)
    if twin is None or figures.empty or data.kind != "numeric":
        return {}
    figure, unit, year = twin
    year = data.year or official_year or year
    wanted = "departement" if data.level == DEPARTEMENT else "commune"
    rows = figures[(figures["indicator"] == figure) & (figures["territory_level"] == wanted)]
    if rows.empty:
        return {}
    # Only the few territories the documents name are looked up (a national layer has 35,000 values).
    named = data.values[data.values["code"].isin(set(rows["territory_codes"]))]
    mine = dict(zip(named["code"], named["value"], strict=True))
    rows = rows[rows["territory_codes"].isin(mine.keys() | set(data.missing_reasons))]
    out: dict[str, tuple[SideValue, ...]] = {}
    for row in rows.itertuples():
        target, factor = canonical_unit(row.unit)
        if target != canonical_unit(unit)[0]:
            continue
        value = float(row.value) * factor
        caveats = []
        if factor != 1:
            caveats.append(f"imprimé {display(row.value, row.unit)}, converti")
        if not row.year:
            caveats.append(f"année non imprimée (carte : {year})" if year else "année non imprimée")
        elif year and row.year != year:
            caveats.append(f"années différentes : carte {year}, document {row.year}")
        here = mine.get(row.territory_codes)
        difference = None if here is None or pd.isna(here) else round(float(here) - value, 2)
        label = f"Chiffre cité par un document ({row.id}, {cite(row.source)})"
        side = SideValue("document", label, value, display(value, target), difference, " ; ".join(caveats))
        out[row.territory_codes] = (*out.get(row.territory_codes, ()), side)
    return out
