"""A brief for the people who decide: one self-contained HTML page set, and its PDF.

``sovopt brief RUN_ID|RESULTS.xlsx`` (or ``--group G`` for a study) writes it:

- :mod:`sovopt.brief.source`: the Report of a run or a results workbook, and the baseline;
- :mod:`sovopt.brief.case_notes`: the case's assumptions, data sources and scenario years;
- :mod:`sovopt.brief.plan` and :mod:`sovopt.brief.money`: what each section says;
- :mod:`sovopt.brief.figures`: the pictures of :mod:`sovopt.plots` as inline SVG;
- :mod:`sovopt.brief.build` and :mod:`sovopt.brief.group`: a run's and a study's brief;
- :mod:`sovopt.brief.page`: the HTML; :mod:`sovopt.brief.pdf`: the PDF, by Chromium.
"""
