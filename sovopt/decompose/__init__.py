"""Decomposition by capability: blocks, pricing, the master problems and the column pool.

:func:`~sovopt.decompose.blocks.split` cuts a compiled model into capability blocks
and master rows; :class:`~sovopt.decompose.colgen.ColumnGenerator` runs column
generation on them for a Lagrangian bound and a plan, keeping every block plan it
finds in a :class:`~sovopt.decompose.pool.ColumnPool` that later levels and study
points reuse.
"""
