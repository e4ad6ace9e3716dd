"""Pictures of a run and of a study: the one plotting implementation of sovopt.

Every function returns a :class:`matplotlib.figure.Figure` drawn on the Agg
canvas: nothing goes through ``pyplot``, so no figure is left open, no backend
is switched and nothing is shown; the caller saves it (``fig.savefig(path)``),
embeds it, or shows it in a notebook (the figure has a PNG representation).

A run's pictures are drawn from a :class:`sovopt.report.Report` and read only
its tables and its ``run`` names and settings, so a fresh solve and a run read
back from the run store (:meth:`sovopt.runs.RunStore.get`) give the same picture:

- :func:`spend`: spending per year stacked by country of origin, against the budget;
- :func:`dependence`: capability x country heat map of value-origin shares;
- :func:`scenarios`: loss per scenario, stacked by capability;
- :func:`fleet`: units required, in service and available in the worst scenario.

A study's pictures are drawn from its tidy table (the Frontier, Sweep and
Robust sheets, :data:`sovopt.outputs.STUDY_TABLES`): :func:`frontier`,
:func:`sweep` and :func:`robust`. Labels and units come from the output schema
(:mod:`sovopt.outputs`), ids are shown as the names the run keeps.

matplotlib is a dependency of sovopt, imported only when a picture is drawn.

Example:

>>> from sovopt.report import Report
>>> import pandas as pd
>>> r = Report(summary={}, tables={"share_matrix": pd.DataFrame(
...     {"capability_id": ["AD"], "country_id": ["WES"], "share": [1.0]})})
>>> dependence(r).axes[0].get_title()
'Value-origin share by capability and country'
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sovopt.errors import SovoptError
from sovopt.outputs import STUDY_TABLES, column, name_of, study_column, summary_quantity

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sovopt.report import Report

#: The dependence measures a frontier trades against cost, and their Summary KPI
#: (:data:`sovopt.studies.frontier.MEASURES`, repeated so plotting imports no study).
FRONTIER_KPI = {"cvar": "cvar", "exposure": "exposure", "hhi": "hhi_mean",
                "expected_shortfall": "expected_shortfall"}
#: The robust core's class thresholds (:data:`sovopt.outputs.STUDY_TABLES` ``class``).
CORE, EXTERIOR = 0.9, 0.1
CLASS_COLOURS = {"core": "#2b8a3e", "borderline": "#e8a317", "exterior": "#868e96"}


class NothingToPlot(SovoptError):
    """The run or study has no data for the picture asked for (e.g. no fleet)."""


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    """A new Figure on its own Agg canvas (no pyplot, no global figure registry)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - the extra is installed where plots are tested
        raise SovoptError("plotting needs matplotlib: pip install matplotlib") from None

    class _Figure(Figure):
        """A Figure that a notebook shows as PNG without pyplot's inline backend."""

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png", bbox_inches="tight")
            return buf.getvalue()

    fig = _Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _currency(report: Report) -> str:
    return str((report.run.get("settings") or {}).get("currency") or "")


def _names(report: Report) -> dict:
    return report.run.get("names") or {}


def _label(report: Report, entity: str, key: object) -> str:
    """The name of an id as the run keeps it (the id when it has no name)."""
    return name_of(_names(report), entity, key) or str(key)


def _table(report: Report, name: str, what: str) -> pd.DataFrame:
    df = report.tables.get(name)
    if df is None or df.empty:
        raise NothingToPlot(f"the run has no {what} to plot (its {name} table is empty)")
    return df


def _colours(n: int) -> list:
    """``n`` distinct colours (tab10, then tab20 for more)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


# --------------------------------------------------------------------------- a run


def spend(report: Report) -> Figure:
    """Spending per year, stacked by the country the value originates in, against the
    year's budget (the budget rows of the constraints table).

    >>> from sovopt.report import Report
    >>> r = Report(summary={}, tables={"spend_origin": pd.DataFrame(
    ...     {"year": [2027, 2027], "country_id": ["HOM", "WES"],
    ...      "capability_id": ["AD", "AD"], "amount": [3.0, 2.0]})})
    >>> spend(r).axes[0].get_xlabel()
    'Year'
    """
    df = _table(report, "spend_origin", "spending")
    cur = _currency(report)
    by = (df.assign(year=df["year"].astype(int), amount=df["amount"].astype(float))
          .groupby(["year", "country_id"])["amount"].sum().unstack(fill_value=0.0))
    by = by[by.sum().sort_values(ascending=False).index]  # the largest at the bottom
    years = by.index.to_numpy()
    fig = _figure()
    ax = fig.add_subplot()
    bottom = np.zeros(len(years))
    for colour, country in zip(_colours(len(by.columns)), by.columns, strict=True):
        ax.bar(years, by[country].to_numpy(), bottom=bottom, color=colour,
               label=_label(report, "country", country))
        bottom += by[country].to_numpy()
    budget = _budget(report)
    if budget is not None:  # each year's budget across its bar
        edges = np.append(budget.index.to_numpy() - 0.5, budget.index[-1] + 0.5)
        ax.step(edges, np.append(budget.to_numpy(), budget.iloc[-1]), where="post",
                color="black", linewidth=2,
                label=summary_quantity("budget_total").label.replace("Total b", "B"))
    ax.set_xlabel(column("spend_origin", "year").label)
    ax.set_ylabel(column("spend_origin", "amount").heading(cur))
    ax.set_xticks(years)
    ax.set_title("Spending by country of origin")
    ax.legend(title=column("spend_origin", "country_id").label, fontsize="small",
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _budget(report: Report) -> pd.Series | None:
    """The budget of each year (the constraints table's budget limits), or None."""
    con = report.tables.get("constraints")
    if con is None or con.empty:
        return None
    b = con[con["constraint"] == "budget"]
    if b.empty:
        return None
    return b.assign(year=b["year"].astype(int)).groupby("year")["limit"].sum().astype(float)


def dependence(report: Report) -> Figure:
    """Heat map of value-origin shares: capabilities down, countries of origin across,
    each cell the share of the capability's units over the horizon (names, not ids).

    >>> from sovopt.report import Report
    >>> r = Report(summary={}, tables={"share_matrix": pd.DataFrame(
    ...     {"capability_id": ["AD", "AD"], "country_id": ["HOM", "WES"],
    ...      "share": [0.25, 0.75]})})
    >>> dependence(r).axes[0].get_xlabel()
    'Country of origin'
    """
    df = _table(report, "share_matrix", "value-origin shares")
    grid = (df.assign(share=df["share"].astype(float))
            .pivot_table(index="capability_id", columns="country_id", values="share",
                         aggfunc="sum", fill_value=0.0))
    grid = grid[grid.sum().sort_values(ascending=False).index]
    rows = [_label(report, "capability", c) for c in grid.index]
    cols = [_label(report, "country", c) for c in grid.columns]
    fig = _figure(max(5.0, 1.1 * len(cols) + 3), max(3.0, 0.45 * len(rows) + 1.5))
    ax = fig.add_subplot()
    image = ax.imshow(grid.to_numpy(), cmap="Reds", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    share = column("share_matrix", "share")
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        if v > 0:
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize="small",
                    color="white" if v > 0.6 else "black")
    ax.set_xlabel(column("share_matrix", "country_id").label)
    ax.set_ylabel(column("share_matrix", "capability_id").label)
    ax.set_title("Value-origin share by capability and country")
    fig.colorbar(image, ax=ax, label=share.heading())
    return fig


def scenarios(report: Report) -> Figure:
    """Loss per scenario, each bar stacked by capability (criticality-weighted loss,
    whose parts sum to the scenario's loss).

    >>> from sovopt.report import Report
    >>> r = Report(summary={}, tables={"scenarios": pd.DataFrame(
    ...     {"scenario_id": ["X"], "capability_id": ["AD"], "units_lost": [1.0],
    ...      "share_lost": [0.1], "weighted_loss": [0.05]})})
    >>> scenarios(r).axes[0].get_xlabel()
    'Weighted loss (weighted share of demand)'
    """
    df = _table(report, "scenarios", "scenarios")
    loss = (df.assign(weighted_loss=df["weighted_loss"].astype(float))
            .pivot_table(index="scenario_id", columns="capability_id",
                         values="weighted_loss", aggfunc="sum", fill_value=0.0))
    loss = loss.loc[loss.sum(axis=1).sort_values().index]  # the worst at the top
    labels = [_label(report, "scenario", s) for s in loss.index]
    fig = _figure(8.0, max(3.0, 0.4 * len(labels) + 1.5))
    ax = fig.add_subplot()
    left = np.zeros(len(labels))
    ypos = np.arange(len(labels))
    for colour, cap in zip(_colours(len(loss.columns)), loss.columns, strict=True):
        ax.barh(ypos, loss[cap].to_numpy(), left=left, color=colour,
                label=_label(report, "capability", cap))
        left += loss[cap].to_numpy()
    ax.set_yticks(ypos, labels)
    ax.set_xlabel(column("scenarios", "weighted_loss").heading())
    ax.set_ylabel(column("scenarios", "scenario_id").label)
    ax.xaxis.set_major_formatter(_percent())
    ax.set_title("Loss per scenario and capability")
    ax.legend(title=column("scenarios", "capability_id").label, fontsize="small",
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def fleet(report: Report) -> Figure:
    """Per fleet capability: units required, in service, supported at home and
    available in the worst scenario, year by year. Raises :class:`NothingToPlot`
    when the case has no fleet.

    >>> from sovopt.report import Report
    >>> r = Report(summary={}, tables={"fleet": pd.DataFrame(
    ...     {"capability_id": ["AD", "AD"], "year": [2027, 2028], "required": [2.0, 2.0],
    ...      "in_service": [2.0, 3.0], "home_supported": [0.0, 1.0],
    ...      "worst_available": [1.0, 2.0]})})
    >>> fleet(r).axes[0].get_ylabel()
    'Units'
    """
    df = _table(report, "fleet", "fleet")
    caps = list(dict.fromkeys(df["capability_id"]))
    fig = _figure(8.0, 2.6 * len(caps) + 0.8)
    axes = fig.subplots(len(caps), 1, sharex=True, squeeze=False)[:, 0]
    series = ("required", "in_service", "home_supported", "worst_available")
    styles = {"required": dict(color="black", linestyle="--", drawstyle="steps-mid"),
              "in_service": dict(color="#1971c2", marker="o"),
              "home_supported": dict(color="#2b8a3e", marker="s"),
              "worst_available": dict(color="#c92a2a", marker="v")}
    for ax, cap in zip(axes, caps, strict=True):
        part = df[df["capability_id"] == cap].sort_values("year")
        years = part["year"].astype(int).to_numpy()
        for key in series:
            if key in part:
                ax.plot(years, part[key].astype(float).to_numpy(),
                        label=column("fleet", key).label, **styles[key])
        ax.set_title(_label(report, "capability", cap))
        ax.set_ylabel(column("fleet", "required").unit.capitalize())
        ax.set_xticks(years)
    axes[-1].set_xlabel(column("fleet", "year").label)
    axes[0].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# --------------------------------------------------------------------------- a study


def frontier(points: pd.DataFrame, measure: str | None = None, currency: str = "") -> Figure:
    """Cost against the dependence measure, least cost to least dependence; each point's
    proven band as an error bar (from the lowest cost proven possible at its bound,
    ``cost_bound``, or cost x (1 - gap) without one, up to its cost: no plan at that
    level can be cheaper), the knee marked.

    ``points`` is a frontier's table (:func:`sovopt.studies.frontier.frontier_table`,
    the Frontier sheet); ``measure`` the frontier's measure (``cvar``, ``exposure``,
    ``hhi``, ``expected_shortfall``), read from ``points.attrs["measure"]`` if not given.

    >>> pts = pd.DataFrame({"measure": [0.3, 0.2, 0.1], "cost": [10.0, 11.0, 15.0],
    ...                     "gap": [0.0, 0.01, 0.0], "knee": ["", "knee", ""]})
    >>> frontier(pts, "cvar").axes[0].get_xlabel()
    'Tail loss (CVaR) (weighted share of demand)'
    """
    df = _rows_with(points, ("measure", "cost"), "frontier points")
    measure = measure or points.attrs.get("measure")
    x = df["measure"].astype(float).to_numpy()
    y = df["cost"].astype(float).to_numpy()
    low = _proven_low(df, y)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(x, y, color="#1971c2", marker="o", label=study_column("frontier", "cost").label)
    ax.errorbar(x, y, yerr=[np.clip(y - low, 0.0, None), np.zeros(len(y))], fmt="none",
                ecolor="#1971c2", alpha=0.6, capsize=4, label="Proven band (gap)")
    if "knee" in df:
        at = df["knee"].astype(str).str.strip().str.lower() == "knee"
        if at.any():
            ax.scatter(x[at.to_numpy()], y[at.to_numpy()], s=160, facecolors="none",
                       edgecolors="#c92a2a", linewidths=2, zorder=3,
                       label=study_column("frontier", "knee").label)
    kpi = FRONTIER_KPI.get(measure or "", measure or "")
    ax.set_xlabel(summary_quantity(kpi).heading() if kpi else
                  study_column("frontier", "measure").heading())
    ax.set_ylabel(study_column("frontier", "cost").heading(currency))
    ax.set_title("Cost against dependence")
    ax.legend(fontsize="small")
    return fig


def _proven_low(df: pd.DataFrame, cost: np.ndarray) -> np.ndarray:
    """The lowest cost proven possible at each point's bound: the table's ``cost_bound``
    where it has one, else cost x (1 - gap)."""
    gap = (pd.to_numeric(df["gap"], errors="coerce").fillna(0.0).clip(0.0, 1.0).to_numpy()
           if "gap" in df else np.zeros(len(df)))
    low = cost * (1.0 - gap)
    if "cost_bound" in df:
        bound = pd.to_numeric(df["cost_bound"], errors="coerce").to_numpy(dtype=float)
        low = np.where(np.isfinite(bound), bound, low)
    return low


def robust(core: pd.DataFrame) -> Figure:
    """Core index per option (share of the perturbed samples whose optimal plan starts
    it), coloured by class, with the core and exterior thresholds.

    ``core`` is a robust study's table (the Robust sheet: option_id, core_index, class).

    >>> core = pd.DataFrame({"option_id": ["A", "B"], "core_index": [1.0, 0.0],
    ...                      "class": ["core", "exterior"]})
    >>> robust(core).axes[0].get_xlabel()
    'Core index (share of samples)'
    """
    df = _rows_with(core, ("core_index",), "options", also=("option_id",))
    df = df.assign(core_index=df["core_index"].astype(float)).sort_values(
        ["core_index", "option_id"])
    ypos = np.arange(len(df))
    classes = df["class"].astype(str) if "class" in df else pd.Series(
        ["core" if v >= CORE else "exterior" if v <= EXTERIOR else "borderline"
         for v in df["core_index"]], index=df.index)
    fig = _figure(7.0, max(3.0, 0.3 * len(df) + 1.5))
    ax = fig.add_subplot()
    ax.barh(ypos, df["core_index"].to_numpy(),
            color=[CLASS_COLOURS.get(c, "#1971c2") for c in classes])
    ax.set_yticks(ypos, df["option_id"].astype(str).tolist())
    for level in (EXTERIOR, CORE):
        ax.axvline(level, color="black", linestyle=":", linewidth=1)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=k) for k, c in CLASS_COLOURS.items()],
              title=study_column("robust", "class").label, fontsize="small",
              loc="lower right")
    ax.set_xlim(0.0, 1.0)
    ax.xaxis.set_major_formatter(_percent())
    ax.set_xlabel(study_column("robust", "core_index").heading())
    ax.set_ylabel(study_column("robust", "option_id").label)
    ax.set_title("Robust core")
    return fig


def sweep(points: pd.DataFrame, kpi: str = "total_cost", currency: str = "") -> Figure:
    """A KPI against the varied input of a sweep: one line per value of a second varied
    input, if there is one (more than two: the KPI per point).

    ``points`` is a sweep's table (:func:`sovopt.studies.sweep.sweep_table`, the Sweep
    sheet): point, one column per varied input, status, KPIs, run_id.

    >>> pts = pd.DataFrame({"point": [0, 1, 2], "budget (×)": [1.0, 0.9, 1.1],
    ...                     "status": ["optimal"] * 3, "total_cost": [10.0, 9.0, 10.5]})
    >>> sweep(pts, "total_cost").axes[0].get_xlabel()
    'budget (×)'
    """
    df = _rows_with(points, (kpi,), f"{kpi} values")
    varied = varied_columns(points)
    q = summary_quantity(kpi)
    fig = _figure()
    ax = fig.add_subplot()
    y = df[kpi].astype(float)
    if len(varied) in (1, 2):
        x_col = varied[0]
        groups = ([(None, df)] if len(varied) == 1 else
                  list(df.groupby(varied[1], sort=True, dropna=False)))
        for colour, (value, part) in zip(_colours(len(groups)), groups, strict=True):
            part = part.drop_duplicates(x_col).sort_values(x_col)
            label = None if value is None else f"{varied[1]} = {value:g}"
            ax.plot(part[x_col].astype(float), part[kpi].astype(float), marker="o",
                    color=colour, label=label)
        ax.set_xlabel(x_col)
        if len(varied) == 2:
            ax.legend(fontsize="small")
    else:
        ax.plot(df["point"].astype(int), y, marker="o", color="#1971c2")
        ax.set_xlabel(study_column("sweep", "point").label)
    ax.set_ylabel(q.heading(currency))
    if q.kind.startswith("share"):
        ax.yaxis.set_major_formatter(_percent())
    ax.set_title(f"{q.label} across the sweep")
    return fig


def varied_columns(points: pd.DataFrame) -> list[str]:
    """The varied inputs of a sweep's table: the columns between ``point`` and
    ``status`` (:func:`sovopt.studies.sweep.sweep_table`).

    >>> varied_columns(pd.DataFrame(columns=["point", "budget (×)", "status", "cvar"]))
    ['budget (×)']
    """
    cols = list(points.columns)
    if "point" in cols and "status" in cols:
        return cols[cols.index("point") + 1:cols.index("status")]
    known = {q.key for q in STUDY_TABLES["sweep"]}
    return [c for c in cols if c not in known]


def _rows_with(df: pd.DataFrame, needed: tuple[str, ...], what: str,
               also: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of ``df`` with a number in every ``needed`` column (and the ``also``
    columns present)."""
    missing = [c for c in (*needed, *also) if c not in df.columns]
    if missing:
        raise NothingToPlot(f"no {what} to plot: the table has no column "
                            f"{', '.join(missing)}")
    rows = df.copy()
    for c in needed:
        rows[c] = pd.to_numeric(rows[c], errors="coerce")
    rows = rows.dropna(subset=list(needed))
    if rows.empty:
        raise NothingToPlot(f"no {what} to plot: every row is blank")
    return rows


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0)

