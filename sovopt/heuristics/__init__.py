"""Primal heuristics: ways to a portfolio where HiGHS alone finds none, or a poor one.

Each works on a compiled :class:`~sovopt.highs.HighsModel` with a level's cost
vector, restores every bound and integrality it changes, and returns a full
solution vector (or None): the caller verifies it like any other solution
before it is used.

- :mod:`.relax_and_fix`: integers fixed window of years by window, later
  years relaxed, for the scenario-risk level of large cases; the first
  window's bound is a valid bound of the whole level.
- :mod:`.repair`: a given start (an earlier plan, a hand-made portfolio, a
  heuristic's guess) completed and repaired to a feasible solution.
- :mod:`.starts`: the solve's first MIP start (a crash start, a given
  portfolio, or one built capability by capability by :mod:`.construct`);
- :mod:`.lp_support`: a MIP with the integers its LP relaxation leaves at zero
  fixed there, the constructive start's first try at each block;
- :mod:`.complete`: a partial solution's open columns optimised on their own;
- :mod:`.columns`: which year each column belongs to.
"""
