"""The Python API's modules; import the names from :mod:`sovopt` itself.

- :mod:`sovopt.api.cases`: :func:`~sovopt.api.cases.read_case`,
  :func:`~sovopt.api.cases.example_case`;
- :mod:`sovopt.api.whatif`: ``Case.scaled``, ``Case.with_value``, ``Case.with_scenario``;
- :mod:`sovopt.api.run`: :func:`~sovopt.api.run.solve`, :func:`~sovopt.api.run.stress`;
- :mod:`sovopt.api.result`: :class:`~sovopt.api.result.Result` and its Summary;
- :mod:`sovopt.api.studies`: frontier, sweep, robust;
- :mod:`sovopt.api.store`: :func:`~sovopt.api.store.open_store`,
  :func:`~sovopt.api.store.compare`.
"""
