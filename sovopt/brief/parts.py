"""The parts a brief is made of, before any HTML: sections of sentences, tables, figures.

The content modules (:mod:`sovopt.brief.plan`, :mod:`sovopt.brief.money`,
:mod:`sovopt.brief.group`) say what a reader is told; :mod:`sovopt.brief.page`
lays it out. Every number in a table or sentence is already text, formatted
through the output schema (:mod:`sovopt.outputs`), so the layout never formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sovopt.outputs import Quantity, is_blank, shown_name


@dataclass
class Table:
    """A table as people read it: ``headings`` (labels with units), text ``rows``;
    ``numeric`` marks the right-aligned columns; ``note`` follows it in small print."""

    caption: str
    headings: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    note: str = ""


@dataclass
class Figure:
    """A picture as inline SVG, with its ``title`` and a text alternative ``alt``."""

    title: str
    alt: str
    svg: str


@dataclass
class Section:
    """A section of the brief: a heading, paragraphs, then tables and figures in order.

    ``new_page``: printed from the top of a page (the sections are sized so that
    each printed page holds what follows its break).
    """

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Table | Figure] = field(default_factory=list)
    new_page: bool = False
    bullets: list[str] = field(default_factory=list)


@dataclass
class Brief:
    """The whole brief: title lines, the footer's words, the sections in order."""

    title: str
    subtitle: str
    footer: str
    sections: list[Section]
    headline: list[tuple[str, str]] = field(default_factory=list)


def text(q: Quantity, value: object, currency: str = "") -> str:
    """``value`` as the output schema shows quantity ``q`` (``-`` when blank)."""
    return q.text(value, currency)


def named(names: dict | None, entity: str, key: object) -> str:
    """``Westmere (WES)``: a name with its id in brackets (:func:`sovopt.outputs.shown_name`)."""
    return shown_name(names, entity, key)


def num(value: object) -> float | None:
    """A number, or None for a blank."""
    if is_blank(value):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def listing(items: list[str], more: int = 0) -> str:
    """``a, b and c`` (``and 3 more`` when ``more`` items were left out)."""
    if more:
        items = [*items, f"{more} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
