"""The sovopt benchmark: generated cases at four sizes and an end-to-end timing driver.

- :mod:`bench.generate`: ``generate_case(size, seed)``, ``write_case(size, path, seed)``
- :mod:`bench.run`: ``python -m bench`` (the driver; one table per size, budgets, JSON)
- :mod:`bench.child`: what runs in a fresh process per run
- :mod:`bench.profile`: where the build time goes, per constraint family
"""
