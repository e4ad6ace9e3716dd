"""The brief's pictures: :mod:`sovopt.plots` figures as inline SVG with a title and a
text alternative.

The pictures are drawn by :mod:`sovopt.plots`, the one plotting implementation;
this module only picks what to draw (a case of 77 countries is shown as its
largest :data:`TOP_COUNTRIES` and one "other countries" column, so a printed
page stays readable), turns each Figure into SVG text and says in words what
it shows. The SVG draws its text as paths (no font is loaded), carries no
metadata addresses, and its element ids are made unique per picture, so
several can sit in one HTML file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace

from sovopt.brief.parts import Figure
from sovopt.report import Report

#: Countries a picture shows by name; the rest are summed into one column.
TOP_COUNTRIES = 9
OTHER = "other countries"
#: The largest printed size of a picture (the text column is 180 mm wide).
MAX_WIDTH_MM, MAX_HEIGHT_MM = 175.0, 68.0
#: The capability x country picture has a page with two tables: it may be taller.
ORIGIN_HEIGHT_MM = 100.0


def svg_of(fig: object, salt: str) -> str:
    """The SVG text of a matplotlib Figure, ready to sit inline in HTML."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", bbox_inches="tight",  # type: ignore[attr-defined]
                    metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s(width|height)="[^"]*pt"', "", text, count=2)
    return text


def figure(draw: Callable[[], object], key: str, title: str, alt: str,
           max_height: float | None = None) -> Figure:
    """A picture of the brief: ``draw()`` makes the matplotlib Figure.

    Its printed size is fixed here (at most :data:`MAX_WIDTH_MM` wide and
    ``max_height`` or :data:`MAX_HEIGHT_MM` high, its own proportions kept), so a
    page's content has the same height in every browser and its page breaks are known.
    """
    svg = svg_of(draw(), key)
    label = f'<title>{_xml(title)}</title><desc>{_xml(alt)}</desc>'
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    size = ""
    if box:
        w, h = float(box.group(1)), float(box.group(2))
        width = min(MAX_WIDTH_MM, (max_height or MAX_HEIGHT_MM) * w / h)
        size = f' style="width: {width:.1f}mm; height: {width * h / w:.1f}mm"'
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{_xml(title)}"{size}', 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + label, svg, count=1)
    return Figure(title=title, alt=alt, svg=svg)


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def fewer_countries(report: Report, table: str, value: str) -> Report:
    """``report`` with ``table``'s countries beyond the largest :data:`TOP_COUNTRIES` (by
    ``value``) summed into one :data:`OTHER` country, for a readable picture."""
    df = report.tables.get(table)
    if df is None or df.empty or df["country_id"].nunique() <= TOP_COUNTRIES + 1:
        return report
    keep = set(df.groupby("country_id")[value].sum().sort_values(ascending=False)
               .head(TOP_COUNTRIES).index)
    out = df.assign(country_id=[c if c in keep else OTHER for c in df["country_id"]])
    keys = [c for c in out.columns if c != value]
    out = out.groupby(keys, as_index=False, dropna=False)[value].sum()
    return replace(report, tables={**report.tables, table: out})


def _name(names: dict, entity: str, key: object) -> str:
    return str((names.get(entity) or {}).get(str(key), key))


def run_figures(report: Report, kinds: tuple[str, ...] = ("spend", "dependence",
                                                           "scenarios", "fleet"),
                lead_in: str = "") -> dict[str, Figure]:
    """The pictures of ``kinds`` a run has data for (spend, dependence, scenarios, fleet);
    ``lead_in`` starts each title (a baseline's pictures say whose they are)."""
    all_of = _run_figures(report)
    return {k: Figure(lead_in + f.title if lead_in else f.title, f.alt, f.svg)
            for k, f in all_of.items() if k in kinds}


def _run_figures(report: Report) -> dict[str, Figure]:
    from sovopt import plots

    out: dict[str, Figure] = {}
    names = report.run.get("names") or {}
    so = report.tables.get("spend_origin")
    if so is not None and len(so):
        years = sorted({int(y) for y in so["year"]})
        top = so.groupby("country_id")["amount"].sum().sort_values(ascending=False)
        lead = ", ".join(f"{names.get('country', {}).get(str(c), c)} {a / top.sum():.0%}"
                         for c, a in top.head(3).items())
        out["spend"] = figure(lambda: plots.spend(fewer_countries(report, "spend_origin",
                                                                  "amount")),
                              "spend", "Spending by year and country of origin, against the "
                              "budget",
                              f"Stacked bars of the money spent in each year {years[0]}–"
                              f"{years[-1]} by the country the value comes from, with the "
                              f"year's budget as a line; largest origins over the horizon: "
                              f"{lead}.")
    sm = report.tables.get("share_matrix")
    if sm is not None and len(sm):
        top = sm.sort_values("share", ascending=False).head(3)
        lead = "; ".join(f"{_name(names, 'capability', r.capability_id)} {r.share:.0%} from "
                         f"{_name(names, 'country', r.country_id)}"
                         for r in top.itertuples(index=False))
        out["dependence"] = figure(
            lambda: plots.dependence(fewer_countries(report, "share_matrix", "share")),
            "dependence", "Where each capability's value comes from",
            f"Heat map, capabilities down and countries of origin across, each cell the "
            f"share of the capability's units over the horizon; the largest shares: {lead}.",
            max_height=ORIGIN_HEIGHT_MM)
    sc = report.tables.get("scenarios")
    if sc is not None and len(sc) and float(sc["weighted_loss"].sum()) > 0:
        loss = sc.groupby("scenario_id")["weighted_loss"].sum().sort_values(ascending=False)
        lead = "; ".join(f"{names.get('scenario', {}).get(str(s), s)} {v:.1%}"
                         for s, v in loss.head(3).items())
        out["scenarios"] = figure(lambda: plots.scenarios(report), "scenarios",
                                  "Loss of each disruption scenario, by capability",
                                  f"Horizontal bars of the weighted share of demand each "
                                  f"scenario takes, split by capability; the worst: {lead}.")
    fl = report.tables.get("fleet")
    if fl is not None and len(fl):
        low = fl.sort_values("availability").iloc[0]
        out["fleet"] = figure(lambda: plots.fleet(report), "fleet",
                              "Fleet in service and available in the worst scenario",
                              f"Lines per fleet capability of the units required, in service, "
                              f"supported at home and available in the worst scenario; "
                              f"lowest availability {float(low['availability']):.0%} in "
                              f"{int(low['year'])}.")
    return out
