"""The deck's model and layout, without python-pptx: what a slide holds, where things go, how tall text is.

Content modules (:mod:`~cnrmap.deck.content`, :mod:`~cnrmap.deck.figures`, :mod:`~cnrmap.deck.projects`) build
:class:`Slide` s of plain text; :mod:`~cnrmap.deck.template` draws them. Text does not shrink by itself in a
.pptx: :func:`text_lines` estimates how many lines a text takes, so that content is cut or continued on another
slide before it overflows (generously: Arial's average character is about half an em; capitals and digits are
wider). Sizes are in inches on a 13.333 × 7.5 in slide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Table:
    """A native table: column headings, rows of text, column widths in inches.

    A cell's text may hold ``\\n``: the lines after the first are drawn smaller, in italics (a remark).
    ``small`` lists the columns drawn one point smaller (sources).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    font_pt: float = 10.0
    small: tuple[int, ...] = ()


@dataclass(frozen=True)
class Block:
    """A titled block of a slide: lines of text, or a table, and a small line under it."""

    heading: str
    lines: tuple[str, ...] = ()
    table: Table | None = None
    footnote: str = ""
    font_pt: float = 12.0


@dataclass(frozen=True)
class Slide:
    """One slide.

    ``kind`` chooses the drawing: ``title`` (``lines`` under a large title), ``map`` (``image``), ``figures``
    (``top`` across the slide, ``columns`` under it: each a stack of blocks), ``projects`` (``table``), ``message`` (``lines`` in large
    type: an honest « aucun projet recensé »), ``sources`` (``columns``). ``subtitle`` states the filters and
    choices in force; ``sources`` is the footer's line; ``notes`` are the speaker notes (the slide's sources);
    ``documents`` the titles of the CNR santé documents the slide draws on (gathered on the closing slide).
    """

    kind: str
    title: str
    subtitle: str = ""
    lines: tuple[str, ...] = ()
    image: bytes | None = None
    top: Block | None = None
    columns: tuple[tuple[Block, ...], ...] = ()
    column_weights: tuple[float, ...] | None = None  # relative widths of ``columns`` (equal by default)
    table: Table | None = None
    sources: str = ""
    notes: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()


SLIDE_WIDTH, SLIDE_HEIGHT = 13.333, 7.5
MARGIN = 0.45
CHAR_EM = 0.5  # average character width of Arial in em (about 0.47 measured on the data's French text), rounded up
LINE_SPACING = 1.2
CELL_MARGIN_X, CELL_MARGIN_Y = 0.08, 0.04
BLOCK_GAP = 0.3


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide, in inches."""

    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height


TITLE = Box(MARGIN, 0.2, SLIDE_WIDTH - 2 * MARGIN, 0.62)
SUBTITLE = Box(MARGIN, 0.8, SLIDE_WIDTH - 2 * MARGIN, 0.4)
TITLE_RULE = 1.24
BODY = Box(MARGIN, 1.38, SLIDE_WIDTH - 2 * MARGIN, 5.5)
FOOTER_RULE = 6.98
FOOTER_LEFT = Box(MARGIN, 7.02, 8.2, 0.42)
FOOTER_RIGHT = Box(8.7, 7.02, SLIDE_WIDTH - MARGIN - 8.7, 0.42)
HEADING_PT = 14.0
HEADING_HEIGHT = 0.34


# --- text metrics (no pptx needed) -------------------------------------------------------------------------


def text_lines(text: str, width: float, font_pt: float) -> int:
    """Lines a text takes in a box ``width`` inches wide at ``font_pt`` points (word wrap, estimated generously)."""
    per_line = max(int(width * 72 / (font_pt * CHAR_EM)), 1)
    total = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            if used == 0:
                used = len(word)
            elif used + 1 + len(word) <= per_line:
                used += 1 + len(word)
            else:
                lines, used = lines + 1, len(word)
            while used > per_line:
                lines, used = lines + 1, used - per_line
        total += lines
    return total


def line_height(font_pt: float) -> float:
    """Height of one line of text, in inches."""
    return font_pt * LINE_SPACING / 72


def row_height(cells: Sequence[str], table: Table) -> float:
    """Estimated height of a table row, in inches."""
    tallest = 0.0
    for i, (text, width) in enumerate(zip(cells, table.widths, strict=True)):
        size = table.font_pt - (1 if i in table.small else 0)
        first, *rest = str(text).split("\n")
        inner = width - 2 * CELL_MARGIN_X
        height = text_lines(first, inner, size) * line_height(size)
        height += sum(text_lines(r, inner, size - 1) * line_height(size - 1) for r in rest)
        tallest = max(tallest, height)
    return tallest + 2 * CELL_MARGIN_Y + 0.02


def table_height(table: Table) -> float:
    """Estimated height of a whole table (heading row included), in inches."""
    return row_height(table.columns, table) + sum(row_height(row, table) for row in table.rows)


def block_height(block: Block, width: float) -> float:
    """Estimated height of a block (heading, lines or table, footnote), in inches."""
    height = HEADING_HEIGHT if block.heading else 0.0
    if block.table is not None:
        height += table_height(block.table) + 0.1
    for line in block.lines:
        height += text_lines(line, width - 0.2, block.font_pt) * line_height(block.font_pt) + 4 / 72
    if block.footnote:
        height += text_lines(block.footnote, width - 0.2, 9) * line_height(9) + 4 / 72
    return height


def columns_boxes(
    top: float, count: int, bottom: float = BODY.bottom, weights: Sequence[float] | None = None
) -> list[Box]:
    """``count`` side-by-side boxes across the body, from ``top`` down to ``bottom`` (widths in proportion to
    ``weights``, equal by default)."""
    weights = list(weights or [1.0] * count)
    usable = BODY.width - BLOCK_GAP * (count - 1)
    boxes, left = [], BODY.left
    for weight in weights:
        width = usable * weight / sum(weights)
        boxes.append(Box(left, top, width, bottom - top))
        left += width + BLOCK_GAP
    return boxes


def lines_height(lines: Sequence[str], width: float, font_pt: float) -> float:
    """Height of paragraphs (4 pt apart) in a text box ``width`` inches wide, in inches."""
    return sum(text_lines(line, width - 0.2, font_pt) * line_height(font_pt) + 4 / 72 for line in lines)


def fit_lines(lines: Sequence[str], width: float, font_pt: float, height: float) -> tuple[list[str], int]:
    """The first ``lines`` that fit in ``height`` inches, and how many were left out."""
    kept: list[str] = []
    for line in lines:
        if lines_height([*kept, line], width, font_pt) > height:
            break
        kept.append(line)
    return kept, len(lines) - len(kept)


def fit_rows(table: Table, height: float) -> tuple[Table, int]:
    """The table with the first rows that fit in ``height`` inches (heading row included), and how many were left out."""
    kept = 0
    used = row_height(table.columns, table)
    for row in table.rows:
        used += row_height(row, table)
        if used > height:
            break
        kept += 1
    return replace(table, rows=table.rows[:kept]), len(table.rows) - kept
