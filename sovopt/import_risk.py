"""The GeoPolRisk import risk (Koyamparambath et al., JOSS 2024): one formula for two users.

    IR = Σ_i q_i·w_i / Σ_i q_i

over every source i of the supply, q_i the quantity it supplies and w_i its political
risk; a source that carries no risk (domestic production, trade between members of an
importing group) has w = 0 and still counts in the denominator. Nothing supplied
(Σ q = 0) gives IR = 0.

Two modules use it, so the materials profile and a portfolio's KPI cannot drift apart:

- :mod:`sovopt.materials.method` (``sovopt materials profile``): q the tonnes imported
  from each exporter plus the importer's own production, w the normalised WGI score;
- :mod:`sovopt.metrics` (KPI ``import_risk``, Dependence sheet): q the units delivered
  by value origin, w the Countries sheet's ``risk_score`` (the home origin risk-free).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def risk_terms(quantity: pd.Series, weight: pd.Series,
               by: list[pd.Series] | None = None) -> tuple:
    """(Σ q·w, Σ q): the numerator and denominator of the import risk.

    ``quantity`` and ``weight`` are aligned per source; with ``by`` (keys aligned with
    them) the sums are per group, as two Series; without, two floats.
    """
    weighted = quantity * weight
    if by is None:
        return float(weighted.sum()), float(quantity.sum())
    return weighted.groupby(by).sum(), quantity.groupby(by).sum()


def import_risk(at_risk, supply):
    """Σ q·w / Σ q, 0 where nothing is supplied; floats or arrays (element by element)."""
    if np.ndim(supply) == 0:
        return float(at_risk) / float(supply) if supply > 0 else 0.0
    supply = np.asarray(supply, float)
    at_risk = np.asarray(at_risk, float)
    return np.where(supply > 0, at_risk / np.where(supply > 0, supply, 1.0), 0.0)
