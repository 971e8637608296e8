"""Rules of the documents' figures (``data/document_figures.csv``): codes, values written in their quote, quotes
found in the seed lines they cite.

A figure is transcribed as printed: its ``value`` (plain decimal) must appear in its ``quote`` written the French
way (``7,49``, ``102 458``, ``1,217M``, ``- 18``) unless the ``remark`` says the document writes it in words or as
a fraction (« deux », « 3/4 »). With the seed documents at hand (the mirror's ``seeds/`` folder), every quote must
also be found in the line(s) its ``source`` cites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cnrmap.curated.schema import DOCUMENT_FIGURES
from cnrmap.errors import Problem

FIGURE_ID = re.compile(r"^F-(\d{3})-\d{4}$")
FIGURE_SOURCE = re.compile(r"^(?P<file>(?P<seed>\d{3})_[0-9a-f]{16}\.txt):(?P<first>\d+)(?:-(?P<last>\d+))?$")
YEAR = re.compile(r"^\d{4}(?:-\d{4})?$")
# A remark that says the value is not printed in digits.
IN_WORDS = re.compile(r"toutes lettres|en lettres|en fraction", re.IGNORECASE)
_SEPARATORS = "[ \u00a0\u202f.]?"
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
LABEL = f"data/{DOCUMENT_FIGURES.path}"


def _digits_pattern(text: str) -> str:
    """Regex of a non-negative plain decimal as printed: thousands grouped or not, comma or dot decimals."""
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    groups = [whole[max(0, i - 3) : i] for i in range(len(whole), 0, -3)][::-1]
    whole_re = _SEPARATORS.join(re.escape(g) for g in groups)
    return whole_re + (f"[.,]{decimals}0*" if decimals else "(?:[.,]0+)?")


def _short(number: float) -> str:
    return f"{number:.6f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=2048)
def value_pattern(value: str) -> re.Pattern[str]:
    """Regex that finds ``value`` (plain decimal, e.g. ``-18``, ``102458``, ``7.49``) written the French way.

    Also accepted: thousands as « K » (``11K`` for 11000) and millions as « M » or « million(s) »
    (``1,217M`` for 1217000).
    """
    negative = value.strip().startswith("-")
    digits = value.strip().lstrip("-+")
    forms = [_digits_pattern(digits)]
    number = float(digits)
    if number >= 1000 and number % 1000 == 0:
        forms.append(_digits_pattern(_short(number / 1000)) + r"\s?[kK]\b")
    if number >= 100_000:
        forms.append(_digits_pattern(_short(number / 1_000_000)) + r"\s?(?:M\b|millions?\b)")
    sign = r"[-−–]\s?" if negative else ""
    return re.compile(rf"(?<![\d.,]){sign}(?:{'|'.join(forms)})(?![\d]|[.,]\d)")


def value_in_text(value: str, text: str) -> bool:
    """Whether ``text`` contains ``value`` written the French way (see :func:`value_pattern`)."""
    return bool(value_pattern(value).search(str(text)))


def collapse(text: str) -> str:
    """Spaces (including no-break ones) collapsed to one, ends stripped."""
    return _SPACES.sub(" ", str(text)).strip()


def value_text(value: float) -> str:
    """A float value back to the plain decimal it was written as (``7.49``, ``102458``)."""
    return _short(float(value))


def check_figures(frame: pd.DataFrame, reference, add) -> None:
    """Check the rules of the figures that need no seed document; ``add(line, column, message)`` records one.

    ``reference`` is :class:`cnrmap.curated.load.Reference` (codes of communes, arrondissements, departments,
    regions).
    """
    communes = set(reference.communes["code"])
    arrondissements = set(reference.arrondissements["code"])
    departments = reference.departments.set_index("code")["region_code"].to_dict()
    regions = set(reference.regions["code"])
    known = {"commune": communes, "arrondissement": arrondissements, "departement": set(departments),
             "region": regions, "france": {"FR"}}  # fmt: skip
    previous = ""
    for line, row in frame.iterrows():
        fid, level = row["id"], row["territory_level"]
        match = FIGURE_ID.match(fid)
        if not match:
            add(line, "id", f"identifiant {fid!r} : « F-<document>-<nnnn> » attendu (ex. F-003-0052)")
        elif fid <= previous:
            add(line, "id", f"identifiant {fid!r} après {previous!r} : les lignes sont rangées par identifiant")
        previous = max(previous, fid)
        source = FIGURE_SOURCE.match(row["source"])
        if not source:
            add(line, "source", f"référence {row['source']!r} : une seule « fichier:ligne » ou « fichier:début-fin »")
        elif match and source["seed"] != match[1]:
            add(line, "source", f"{row['source']!r} n'est pas le document {match[1]} que nomme l'identifiant {fid!r}")
        codes = [c.strip() for c in row["territory_codes"].split(";") if c.strip()]
        if level in known and not codes:
            add(line, "territory_codes", f"un territoire de niveau « {level} » porte son code INSEE")
        for code in codes:
            if level not in known:
                add(line, "territory_codes", f"code {code!r} pour un niveau « {level} » (sans code : laisser vide)")
            elif code not in known[level]:
                add(line, "territory_codes", f"code {code!r} inconnu des tables de référence (niveau « {level} »)")
        dep, reg = row["department_code"], row["region_code"]
        if dep and dep not in departments:
            add(line, "department_code", f"département {dep!r} inconnu")
        if reg and reg not in regions:
            add(line, "region_code", f"région {reg!r} inconnue")
        if dep in departments and reg and departments[dep] != reg:
            add(line, "department_code", f"le département {dep!r} n'est pas dans la région {reg!r}")
        if level == "france" and (dep or reg):
            add(line, "territory_level", "un chiffre de la France n'a ni département ni région")
        if level == "region" and (dep or (codes and reg and codes != [reg])):
            add(line, "territory_codes", "un chiffre de région porte le code de sa région et aucun département")
        if level == "departement" and codes and dep and codes != [dep]:
            add(line, "department_code", f"le département {dep!r} n'est pas celui du territoire ({codes[0]!r})")
        if level in ("commune", "arrondissement", "epci", "zone_atelier") and not dep and not reg:
            add(line, "department_code", "un territoire infra-départemental nomme son département ou sa région")
        if row["year"] and not YEAR.match(row["year"]):
            add(line, "year", f"année {row['year']!r} : AAAA ou AAAA-AAAA attendu")
        written = pd.isna(row["value"]) or value_in_text(value_text(row["value"]), row["quote"])
        if not written and not IN_WORDS.search(row["remark"]):
            add(
                line,
                "quote",
                f"la citation ne contient pas la valeur {value_text(row['value'])!r} écrite en chiffres ; "
                "sinon la remarque dit qu'elle est écrite « en toutes lettres » ou « en fraction »",
            )


@lru_cache(maxsize=8)
def _seed_lines(path: Path, mtime_ns: int) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8").split("\n"))


def cited_text(seeds_dir: Path, source: str) -> str | None:
    """The cited line(s) of a seed document joined by one space (each line stripped); ``None`` if not found."""
    match = FIGURE_SOURCE.match(source)
    if not match:
        return None
    path = Path(seeds_dir) / match["file"]
    if not path.is_file():
        return None
    lines = _seed_lines(path, path.stat().st_mtime_ns)
    first, last = int(match["first"]), int(match["last"] or match["first"])
    if not 1 <= first <= last <= len(lines):
        return None
    return " ".join(line.strip() for line in lines[first - 1 : last])


def quote_problems(frame: pd.DataFrame, seeds_dir: Path) -> list[Problem]:
    """Rows whose quote is not in the cited seed line(s), or whose cited lines do not hold the value.

    Spaces are compared collapsed (the text dumps break lines and double spaces).
    """
    problems = []
    for line, row in frame.iterrows():
        text = cited_text(seeds_dir, row["source"])
        if text is None:
            problems.append(Problem(LABEL, f"lignes citées {row['source']!r} introuvables", int(line), "source"))
            continue
        if collapse(row["quote"]) not in collapse(text):
            problems.append(Problem(LABEL, f"citation absente des lignes {row['source']!r}", int(line), "quote"))
        elif not IN_WORDS.search(row["remark"]) and not value_in_text(value_text(row["value"]), collapse(text)):
            problems.append(Problem(LABEL, "les lignes citées ne contiennent pas la valeur", int(line), "value"))
    return problems


def seeds_folder(mirror: str | None) -> Path | None:
    """The seed documents' folder of a folder mirror (``<mirror>/seeds``), if there is one."""
    if not mirror or "://" in mirror:
        return None
    folder = Path(mirror) / "seeds"
    return folder if folder.is_dir() else None


def codes_named(frame: pd.DataFrame, levels: Iterable[str]) -> set[str]:
    """Every INSEE code the figures name at these levels (for the reference tables)."""
    wanted = frame[frame["territory_level"].isin(list(levels))]
    return {c.strip() for cell in wanted["territory_codes"] for c in cell.split(";") if c.strip()}
