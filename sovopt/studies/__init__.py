"""Studies: many solves of one case, each a run in one group of the run store.

- :mod:`sovopt.studies.sweep`: a grid of what-ifs over named inputs;
- :mod:`sovopt.studies.frontier`: the cost–dependence frontier (ε-constraint) on
  one compiled model;
- :mod:`sovopt.studies.robust`: the robust core of the plans of perturbed cases.

Each builds a list of tasks (:mod:`sovopt.studies.tasks`: a compact serialised
case plus the change to apply), hands them to an executor
(:mod:`sovopt.executors`) and records the tidy results as they come back
(:mod:`sovopt.studies.record`); only the client touches the run store.
A robust sample's perturbation is :mod:`sovopt.studies.perturb`.
"""
