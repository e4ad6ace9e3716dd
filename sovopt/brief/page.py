"""The brief as one self-contained HTML file: inline CSS, inline SVG, nothing fetched.

Ministries read these pages air-gapped, so the file carries everything: the
style sheet is in a ``<style>`` element, every picture an inline ``<svg>`` (its
text drawn as paths, so no font is loaded), and nothing names an outside
address. On screen it is one readable column; printed (A4 or Letter, the
printer's choice, or ``paper`` fixing one), each section that starts a page
does, a table or a figure is never split across pages, and a running footer
carries the case and the run id with the page number (CSS page margin boxes).
"""

from __future__ import annotations

import re
from html import escape

from sovopt.brief.parts import Brief, Figure, Section, Table

#: Paper sizes a brief can be fixed to (``@page size``); None leaves it to the printer.
PAPERS = {"a4": "A4", "letter": "letter"}

CSS = """
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #d0d5db; --accent: #1f4e79;
        --good: #2e7d32; --bad: #b3261e; --tile: #f3f6f9; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
       color: var(--ink); font-size: 10.5pt; line-height: 1.4; }
body { margin: 0 auto; max-width: 180mm; padding: 8mm 0 16mm; }
header.title h1 { font-size: 16pt; margin: 0 0 1mm; color: var(--accent); }
header.title p { margin: 0; color: var(--muted); }
h2 { font-size: 13pt; color: var(--accent); border-bottom: 1.5pt solid var(--accent);
     padding-bottom: 1mm; margin: 6mm 0 2.5mm; break-after: avoid; }
p { margin: 0 0 2mm; }
.lead p:first-of-type { font-size: 12pt; }
.lead { border-left: 3pt solid var(--accent); padding: 1mm 0 1mm 4mm; margin-top: 4mm; }
ul { margin: 0 0 2mm; padding-left: 5mm; }
li { margin-bottom: 1mm; }
.headline { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; margin: 3mm 0;
            break-inside: avoid; }
.headline div { background: var(--tile); border-radius: 1.5mm; padding: 1.5mm 2mm; }
.headline b { display: block; font-size: 10pt; }
.headline span { color: var(--muted); font-size: 8.5pt; }
.block { break-inside: avoid; margin: 2.5mm 0 3.5mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.3pt; }
caption { text-align: left; font-weight: bold; padding-bottom: 1mm; caption-side: top; }
th { text-align: left; border-bottom: 1pt solid var(--ink); padding: 0.8mm 1.5mm;
     vertical-align: bottom; }
td { border-bottom: 0.5pt solid var(--rule); padding: 0.8mm 1.5mm; vertical-align: top; }
td.n, th.n { text-align: right; white-space: nowrap; }
.id { white-space: nowrap; }
.note { color: var(--muted); font-size: 8.5pt; margin-top: 1mm; }
figure { margin: 0; }
figcaption { font-weight: bold; margin-bottom: 1mm; }
figure svg { display: block; max-width: 100%; }
.alt { color: var(--muted); font-size: 8.5pt; margin-top: 1mm; }
footer.screen { color: var(--muted); font-size: 8.5pt; border-top: 0.5pt solid var(--rule);
                margin-top: 6mm; padding-top: 2mm; }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; }
  section.new-page { break-before: page; page-break-before: always; }
  h2 { margin-top: 0; }
  footer.screen { display: none; }
}
"""


def render(brief: Brief, paper: str | None = None) -> str:
    """The HTML text of ``brief``; ``paper`` (``a4``, ``letter``) fixes the printed size."""
    style = CSS + _page_rule(brief.footer, paper)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(brief.title)}</title>",
             f"<style>{style}</style>", "</head>", "<body>",
             '<header class="title">', f"<h1>{escape(brief.title)}</h1>",
             f"<p>{escape(brief.subtitle)}</p>", "</header>"]
    for k, sec in enumerate(brief.sections):
        parts.append(_section(sec, brief.headline if k == 0 else []))
    parts += [f'<footer class="screen">{escape(brief.footer)}</footer>', "</body>", "</html>"]
    return "\n".join(parts) + "\n"


#: An id with hyphens (``BUY-NLD-NIOBIUM``, ``EMB-HEL``): printed on one line, since a
#: break at its hyphen would read as another id (and PDF text tools drop such hyphens).
_ID = re.compile(r"\b[A-Z0-9_]+(?:-[A-Z0-9_]+)+\b")


def _t(value: str) -> str:
    """``value`` escaped for HTML, each hyphenated id kept on one line."""
    marked = _ID.sub(lambda m: f'<span class="id">{m.group(0)}</span>', escape(value))
    return marked.replace("\n", "<br>")


def _page_rule(footer: str, paper: str | None) -> str:
    """The ``@page`` rule: margins, the paper size if fixed, and the running footer
    (the case and run id at the left, the page number at the right)."""
    size = f" size: {PAPERS[paper]};" if paper else ""
    small = "font-size: 8pt; color: #5b6470;"
    return (f"@page {{ margin: 14mm 15mm 16mm 15mm;{size}\n"
            f"  @bottom-left {{ content: {_css_string(footer)}; {small} }}\n"
            f'  @bottom-right {{ content: "page " counter(page) " of " counter(pages); '
            f"{small} }} }}\n")


def _css_string(value: str) -> str:
    """``value`` as a CSS string literal (quotes and backslashes escaped, one line)."""
    clean = " ".join(value.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{clean}"'


def _section(sec: Section, headline: list[tuple[str, str]]) -> str:
    cls = f"{sec.key}{' new-page' if sec.new_page else ''}"
    out = [f'<section id="{escape(sec.key)}" class="{cls}">', f"<h2>{escape(sec.title)}</h2>"]
    if sec.key == "decision":
        out.append('<div class="lead">')
        out += [f"<p>{_t(p)}</p>" for p in sec.paragraphs]
        out.append("</div>")
        if headline:
            out.append('<div class="headline">' + "".join(
                f"<div><span>{escape(label)}</span><b>{escape(value)}</b></div>"
                for label, value in headline) + "</div>")
    else:
        out += [f"<p>{_t(p)}</p>" for p in sec.paragraphs]
    if sec.bullets:
        out.append("<ul>" + "".join(f"<li>{_t(b)}</li>" for b in sec.bullets) + "</ul>")
    for block in sec.blocks:
        out.append(_table(block) if isinstance(block, Table) else _figure(block))
    out.append("</section>")
    return "\n".join(out)


def _table(t: Table) -> str:
    numeric = t.numeric or [False] * len(t.headings)
    head = "".join(f'<th{" class=n" if n else ""}>{escape(h)}</th>'
                   for h, n in zip(t.headings, numeric, strict=False))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if n else ""}>{_t(c)}</td>'
                                    for c, n in zip(row, numeric, strict=False)) + "</tr>"
                   for row in t.rows)
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return (f'<div class="block"><table><caption>{escape(t.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>")


def _figure(f: Figure) -> str:
    return (f'<div class="block"><figure><figcaption>{escape(f.title)}</figcaption>'
            f'{f.svg}<p class="alt">{escape(f.alt)}</p></figure></div>')
