"""Cross-reading of needs and projects: which territories the « Lecture croisée » filter keeps.

A need is a value worse than a threshold (default: the indicator's usual threshold — APL 2.5 consultations, 0 for
a change — else the France value) or a commune in ZIP (or ZIP/ZAC); territories outside the selection are faded
on the map, the kept ones outlined, and the notes say how many were kept and why. ``sous_seuil`` is the plain
threshold highlight (e.g. communes under 2.5 of APL), the others cross it with the CNR projects.
"""

from __future__ import annotations

import pandas as pd

from cnrmap.carte.state import NEED_ZONES, MapState
from cnrmap.french import format_value
from cnrmap.indicators.spec import IndicatorData


def need_selection(
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
        if threshold is None and indicator.threshold is not None:
            threshold = indicator.threshold
            notes.append(f"Seuil usuel de l'indicateur : {format_value(threshold, indicator.unit)}.")
        if threshold is None:
            threshold = indicator.references.get("FR")
            if threshold is None:
                warnings.append("Lecture croisée : aucun seuil donné ni valeur France connue ; filtre ignoré.")
                return None
            notes.append(f"Seuil : valeur France ({format_value(threshold, indicator.unit)}).")
        values = pd.to_numeric(table["value"], errors="coerce")
        if indicator.higher_is_better is False:
            worse, word = values > threshold, "au-dessus de"
        else:
            worse, word = values < threshold, "sous"
        notes.append(f"Besoin = valeur {word} {format_value(threshold, indicator.unit)}.")
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
    elif state.need == "sous_seuil":
        selected = worse_than_threshold()
        if selected is None:
            if indicator.kind != "numeric":
                warnings.append("Le filtre « sous le seuil » demande un indicateur numérique. Filtre ignoré.")
            return None
        label = f"{int(selected.sum())} {unit_word} en besoin (les autres sont estompés)"
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
    if level == "commune" and state.need != "sous_seuil":
        notes.append("Les projets à l'échelle du département ne sont comptés dans aucune commune.")
    return selected.astype(bool)
