"""sovopt: dependency and sovereignty-risk optimisation for defence procurement planning.

A planner describes a case in an Excel workbook; sovopt reads and validates it
(:mod:`sovopt.workbook`), derives the sparse model data (:mod:`sovopt.prepare`),
builds the mixed-integer program (:mod:`sovopt.model`), solves it level by level
with HiGHS (:mod:`sovopt.solve`) and writes the answer back to Excel.
"""

__version__ = "0.1.0"
