"""The deck's one sober 16:9 template: title bar, footer, fonts, colours, and how each kind of slide is drawn.

The look follows the PNG export (:mod:`cnrmap.export.layout`): dark text on white, one blue accent rule under
the title, a grey footer with the sources on the left and the date on the right. Every text is a text box or a
native table (editable in PowerPoint or LibreOffice), in Arial (Liberation Sans where Arial is missing), marked
French for the spelling checker. Where things go and how tall text is: :mod:`cnrmap.deck.model`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from cnrmap.deck.model import (
    BODY,
    CELL_MARGIN_X,
    CELL_MARGIN_Y,
    FOOTER_LEFT,
    FOOTER_RIGHT,
    FOOTER_RULE,
    HEADING_HEIGHT,
    HEADING_PT,
    MARGIN,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    SUBTITLE,
    TITLE,
    TITLE_RULE,
    Block,
    Box,
    Slide,
    Table,
    block_height,
    columns_boxes,
    row_height,
    table_height,
    text_lines,
)

FONT = "Arial"
INK = RGBColor(0x1F, 0x23, 0x28)
MUTED = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
RULE = RGBColor(0xD0, 0xD7, 0xDE)
ZEBRA = RGBColor(0xF3, 0xF6, 0xF9)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)


# --- drawing ---------------------------------------------------------------------------------------------


def _font(run, size: float, *, bold: bool = False, italic: bool = False, colour: RGBColor = INK) -> None:
    font = run.font
    font.name, font.size, font.bold, font.italic = FONT, Pt(size), bold, italic
    font.color.rgb = colour
    font.language_id = MSO_LANGUAGE_ID.FRENCH


def _paragraph(frame, text: str, size: float, *, first: bool = False, space: float = 0, **style):
    paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
    paragraph.space_before = Pt(space)
    run = paragraph.add_run()
    run.text = text
    _font(run, size, **style)
    return paragraph


def text_box(slide, box: Box, paragraphs: Sequence[tuple[str, float, dict]], anchor=MSO_ANCHOR.TOP, align=None):
    """A text box holding ``(text, size, style)`` paragraphs (style: bold, italic, colour, space)."""
    shape = slide.shapes.add_textbox(Inches(box.left), Inches(box.top), Inches(box.width), Inches(box.height))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.margin_top = frame.margin_bottom = Inches(0.02)
    for i, (text, size, style) in enumerate(paragraphs):
        paragraph = _paragraph(frame, text, size, first=i == 0, **style)
        if align is not None:
            paragraph.alignment = align
    return shape


def filled_rectangle(slide, box: Box, colour: RGBColor):
    """A plain filled rectangle: no outline, no shadow (the theme's shape style is dropped, which LibreOffice
    would otherwise draw as a shadow)."""
    shape = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(box.left), Inches(box.top), Inches(box.width), Inches(box.height)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    shape.line.fill.background()
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def rule(slide, top: float, colour: RGBColor, thickness: float, left: float = MARGIN, width: float | None = None):
    """A horizontal rule."""
    width = SLIDE_WIDTH - 2 * MARGIN if width is None else width
    return filled_rectangle(slide, Box(left, top, width, thickness), colour)


def header(slide, title: str, subtitle: str) -> None:
    """Title (shrunk to 20 pt when it would wrap), the line of choices in force, the accent rule."""
    size = 24.0 if text_lines(title, TITLE.width - 0.1, 24.0) == 1 else 20.0
    text_box(slide, TITLE, [(title, size, {"bold": True})], anchor=MSO_ANCHOR.BOTTOM)
    if subtitle:
        size = 12.0 if text_lines(subtitle, SUBTITLE.width - 0.1, 12.0) == 1 else 10.0
        text_box(slide, SUBTITLE, [(subtitle, size, {"colour": MUTED})])
    rule(slide, TITLE_RULE, ACCENT, 0.04)


def footer(slide, sources: str, right: str) -> None:
    """Grey rule, the slide's sources on the left, « CNR santé 2022–2023 · cnrmap · date · n/N » on the right."""
    rule(slide, FOOTER_RULE, RULE, 0.012)
    size = 9.0 if text_lines(sources, FOOTER_LEFT.width - 0.1, 9.0) <= 2 else 8.0
    text_box(slide, FOOTER_LEFT, [(sources, size, {"colour": MUTED})])
    text_box(slide, FOOTER_RIGHT, [(right, 9.0, {"bold": True, "colour": ACCENT})], align=PP_ALIGN.RIGHT)


def picture(slide, box: Box, data: bytes, size: tuple[int, int]) -> None:
    """An image as large as fits in ``box``, centred, aspect kept (``size``: its pixel size)."""
    ratio = min(box.width / size[0], box.height / size[1])
    width, height = size[0] * ratio, size[1] * ratio
    left, top = box.left + (box.width - width) / 2, box.top + (box.height - height) / 2
    slide.shapes.add_picture(io.BytesIO(data), Inches(left), Inches(top), Inches(width), Inches(height))


def _cell(cell, text: str, size: float, *, bold: bool = False, colour: RGBColor = INK, fill: RGBColor | None = None):
    cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_X)
    cell.margin_top = cell.margin_bottom = Inches(CELL_MARGIN_Y)
    cell.vertical_anchor = MSO_ANCHOR.TOP
    frame = cell.text_frame
    frame.word_wrap = True
    first, *rest = str(text).split("\n")
    _paragraph(frame, first, size, first=True, bold=bold, colour=colour)
    for line in rest:
        _paragraph(frame, line, size - 1, italic=True, colour=MUTED, space=2)
    if fill is None:
        cell.fill.background()
    else:
        cell.fill.solid()
        cell.fill.fore_color.rgb = fill


def table(slide, left: float, top: float, spec: Table):
    """A native table: heading row in the accent colour, light bands, row heights as estimated."""
    rows, cols = len(spec.rows) + 1, len(spec.columns)
    shape = slide.shapes.add_table(
        rows, cols, Inches(left), Inches(top), Inches(sum(spec.widths)), Inches(table_height(spec))
    )
    grid = shape.table
    grid.first_row, grid.horz_banding = True, False
    for i, width in enumerate(spec.widths):
        grid.columns[i].width = Inches(width)
    grid.rows[0].height = Inches(row_height(spec.columns, spec))
    for c, heading in enumerate(spec.columns):
        _cell(grid.cell(0, c), heading, spec.font_pt, bold=True, colour=WHITE, fill=ACCENT)
    for r, row in enumerate(spec.rows, start=1):
        grid.rows[r].height = Inches(row_height(row, spec))
        for c, text in enumerate(row):
            size = spec.font_pt - (1 if c in spec.small else 0)
            _cell(grid.cell(r, c), text, size, fill=ZEBRA if r % 2 == 0 else WHITE)
    return shape


def block(slide, box: Box, spec: Block) -> float:
    """Draw a block in ``box``; returns the height it takes (estimated)."""
    top = box.top
    if spec.heading:
        text_box(slide, Box(box.left, top, box.width, HEADING_HEIGHT), [(spec.heading, HEADING_PT,
                 {"bold": True, "colour": ACCENT})])  # fmt: skip
        top += HEADING_HEIGHT
    if spec.table is not None:
        table(slide, box.left + 0.05, top, spec.table)
        top += table_height(spec.table) + 0.1
    paragraphs = [(line, spec.font_pt, {"space": 4}) for line in spec.lines]
    if spec.footnote:
        paragraphs.append((spec.footnote, 9.0, {"italic": True, "colour": MUTED, "space": 4}))
    if paragraphs:
        text_box(slide, Box(box.left, top, box.width, max(box.bottom - top, 0.3)), paragraphs)
    return block_height(spec, box.width)


def notes(slide, lines: Sequence[str]) -> None:
    """Speaker notes: one paragraph per line."""
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


# --- slides ------------------------------------------------------------------------------------------------


def _title_slide(slide, spec: Slide) -> None:
    filled_rectangle(slide, Box(0, 0, 0.28, SLIDE_HEIGHT), ACCENT)
    size = 40.0 if text_lines(spec.title, 11.6, 40.0) == 1 else 32.0
    text_box(slide, Box(0.9, 1.3, 11.8, 1.3), [(spec.title, size, {"bold": True})], anchor=MSO_ANCHOR.BOTTOM)
    rule(slide, 2.72, ACCENT, 0.05, left=0.95, width=2.5)
    first, second, *rest = spec.lines
    paragraphs = [(first, 22.0, {"colour": ACCENT, "bold": True}), (second, 16.0, {"colour": MUTED, "space": 6})]
    paragraphs += [(line, 14.0, {"space": 10 if i == 0 else 4}) for i, line in enumerate(rest)]
    text_box(slide, Box(0.9, 2.95, 11.8, 3.8), paragraphs)


def _figures_slide(slide, spec: Slide) -> None:
    top = BODY.top
    if spec.top is not None:
        top += block(slide, Box(BODY.left, top, BODY.width, BODY.height), spec.top) + 0.12
    for box, stack in zip(
        columns_boxes(top, len(spec.columns), weights=spec.column_weights), spec.columns, strict=True
    ):
        for one in stack:
            used = block(slide, box, one) + 0.1
            box = Box(box.left, box.top + used, box.width, max(box.height - used, 0.3))


def _message_slide(slide, spec: Slide) -> None:
    first, *rest = spec.lines
    paragraphs = [(first, 28.0, {"bold": True, "colour": MUTED})]
    paragraphs += [(line, 16.0, {"space": 12}) for line in rest]
    text_box(slide, Box(1.2, 2.3, SLIDE_WIDTH - 2.4, 3.6), paragraphs, align=PP_ALIGN.CENTER)


def draw(slide, spec: Slide, number: int, total: int, right: str, image_size: tuple[int, int] | None = None) -> None:
    """Draw one :class:`~cnrmap.deck.content.Slide` on a blank slide (``number`` of ``total``)."""
    if spec.kind == "title":
        _title_slide(slide, spec)
    else:
        header(slide, spec.title, spec.subtitle)
    if spec.kind == "map" and spec.image is not None and image_size is not None:
        picture(slide, BODY, spec.image, image_size)
    elif spec.kind in ("figures", "sources"):
        _figures_slide(slide, spec)
    elif spec.kind == "projects" and spec.table is not None:
        table(slide, BODY.left, BODY.top, spec.table)
    elif spec.kind == "message":
        _message_slide(slide, spec)
    footer(slide, spec.sources, f"{right} · {number}/{total}")
    notes(slide, spec.notes)


def presentation(title: str, subject: str):
    """An empty 16:9 presentation with French document properties."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in, PowerPoint's 16:9
    props = deck.core_properties
    props.title, props.subject, props.author, props.language = title, subject, "cnrmap", "fr-FR"
    props.keywords = "CNR santé; cnrmap"
    return deck


def blank_slide(deck):
    """A new slide on the blank layout (no placeholder: every text is drawn by this template)."""
    return deck.slides.add_slide(deck.slide_layouts[6])
