"""The detail panel beside the map, as Markdown (Streamlit escapes any HTML in it)."""

from __future__ import annotations

from typing import Any

from cnrmap.carte.classify import format_number

LEVEL_WORDS = {"departement": "Département", "commune": "Commune"}
MAX_PROPOSALS = 5


def _md(text: object) -> str:
    """Neutralise Markdown syntax in data text (titles, proposals) so it shows as written."""
    out = str(text)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def detail_markdown(detail: dict[str, Any]) -> str:
    """Indicators, projects and proposals by theme of one territory (from :func:`cnrmap.carte.view.territory_detail`)."""
    if not detail:
        return "Cliquez sur un territoire de la carte pour voir ses indicateurs, ses projets et ses propositions."
    lines = [f"### {_md(detail['name'])} ({detail['code']})", f"*{LEVEL_WORDS.get(detail['level'], '')}*", ""]
    for ind in detail["indicators"]:
        line = f"- **{_md(ind['label'])}** : {_md(ind['display'] or 'donnée manquante')}"
        if ind.get("rank") and ind.get("of"):
            line += f" — {ind['rank']}{'er' if ind['rank'] == 1 else 'e'} sur {ind['of']}"
        refs = []
        if ind.get("region_reference") is not None:
            refs.append(f"région {format_number(ind['region_reference'])}")
        if ind.get("france_reference") is not None:
            refs.append(f"France {format_number(ind['france_reference'])}")
        if refs:
            line += f" (référence : {', '.join(refs)})"
        lines.append(line)
    projects = detail["projects"] + detail.get("department_projects", [])
    lines += ["", f"**Projets du CNR santé** : {len(projects) or 'aucun documenté'}"]
    for p in projects:
        date = f", {p['status_date']}" if p.get("status_date") else ""
        wide = " — à l'échelle du département" if p.get("location_precision") == "departement" else ""
        lines.append(f"- {_md(p['title'])} *({_md(p['theme_label'])} ; {_md(p['status_label'])}{date}{wide})*")
    lines += ["", f"**Propositions** : {detail['proposal_count'] or 'aucune documentée'}"]
    for scope, label in (("departement", "du département"), ("region", "de la région")):
        themes = detail["proposals"].get(scope) or {}
        for theme, texts in themes.items():
            lines.append(f"- {label}, *{_md(theme)}* : {len(texts)}")
            lines += [f"    - {_md(t)}" for t in texts[:MAX_PROPOSALS]]
            if len(texts) > MAX_PROPOSALS:
                lines.append(f"    - … et {len(texts) - MAX_PROPOSALS} autre(s) (page Propositions)")
    return "\n".join(lines)
