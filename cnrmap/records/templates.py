"""Templates to fill: one per kind of file, in CSV and XLSX, French headers, one example row, vocabularies listed.

The CSV holds the header and the example row (what a spreadsheet opens and saves back); the vocabularies and
what each column holds are in ``colonnes-et-listes.csv`` beside it, and in the workbook's second and third
sheets. In the XLSX, code columns are text (a spreadsheet keeps ``04`` as ``04``) and vocabulary columns
offer their values in a drop-down list.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cnrmap import vocab
from cnrmap.records.columns import KINDS, FileKind

_TEXT_COLUMNS = {"id", "department_code", "region_code", "territory_code", "commune_codes", "commune_code",
                 "number", "parent_id", "project_id", "date", "status_date"}  # fmt: skip
GUIDE_NAME = "colonnes-et-listes.csv"
_VOCAB_LABELS = {
    "theme": vocab.THEMES,
    "status": vocab.STATUSES,
    "location_precision": vocab.LOCATION_PRECISIONS,
    "scope_level": vocab.SCOPE_LEVELS,
    "level": vocab.PROPOSAL_LEVELS,
    "kind": vocab.MEETING_KINDS,
}


def template_csv(kind: FileKind) -> bytes:
    """The CSV template: French headers and the example row (UTF-8 with BOM, so that spreadsheets read accents)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    columns = kind.schema.column_names
    writer.writerow([kind.headers[c] for c in columns])
    writer.writerow([kind.example[c] for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def guide_rows(kind: FileKind) -> list[list[str]]:
    """One row per column: French header, dictionary name, required, what it holds."""
    required = {c.name for c in kind.schema.columns if c.required}
    return [[kind.headers[c], c, "oui" if c in required else "non", kind.help[c]] for c in kind.schema.column_names]


def guide_table(kind: FileKind):
    """:func:`guide_rows` as a table with French headings (the Données page)."""
    import pandas as pd

    return pd.DataFrame(guide_rows(kind), columns=["Colonne", "Nom dans le dictionnaire", "Obligatoire", "Contenu"])


def guide_csv() -> bytes:
    """Every template's columns, then every vocabulary (value, meaning), in one CSV."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Fichier", "Colonne", "Nom dans le dictionnaire", "Obligatoire", "Contenu"])
    for kind in KINDS.values():
        for row in guide_rows(kind):
            writer.writerow([kind.label, *row])
    writer.writerow([])
    writer.writerow(["Liste", "Valeur", "Signification"])
    for column, values in _VOCAB_LABELS.items():
        for key, label in values.items():
            writer.writerow([column, key, label])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: FileKind) -> bytes:
    """The XLSX template: sheet of data (header, example row), sheet « Colonnes », sheet « Listes »."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = kind.label
    columns = kind.schema.column_names
    sheet.append([kind.headers[c] for c in columns])
    sheet.append([kind.example[c] for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    lists = book.create_sheet("Listes")
    lists.append(["Colonne", "Valeur", "Signification"])
    list_row = 2
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(45, len(kind.headers[column]) + 4))
        if column in _TEXT_COLUMNS:
            for row in range(2, 1001):
                sheet[f"{letter}{row}"].number_format = "@"
        values = _VOCAB_LABELS.get(column)
        if values and column in {c.name for c in kind.schema.columns if c.vocabulary}:
            first = list_row
            for key, label in values.items():
                lists.append([kind.headers[column], key, label])
                list_row += 1
            rule = DataValidation(type="list", formula1=f"=Listes!$B${first}:$B${list_row - 1}", allow_blank=True)
            rule.error = f"Valeur permise : {', '.join(values)}"
            rule.errorTitle = kind.headers[column]
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}1000")
    guide = book.create_sheet("Colonnes")
    guide.append(["Colonne", "Nom dans le dictionnaire", "Obligatoire", "Contenu"])
    for row in guide_rows(kind):
        guide.append(row)
    for ws in (lists, guide):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    guide.column_dimensions["D"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_templates(folder: Path) -> list[Path]:
    """Write every template (CSV and XLSX) and the column guide into ``folder``; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS.values():
        for suffix, content in ((".csv", template_csv(kind)), (".xlsx", template_xlsx(kind))):
            path = folder / f"{kind.stem}{suffix}"
            path.write_bytes(content)
            written.append(path)
    guide = folder / GUIDE_NAME
    guide.write_bytes(guide_csv())
    written.append(guide)
    return written
