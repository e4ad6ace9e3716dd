"""Known answers, one module per constraint family (test_<family>.py).

In each, the family under test is what decides the answer: the expected objective is
worked out by hand in the test (arithmetic in the comments), the decisive
quantities (which options start, when, how many units) are asserted, and the
portfolio passes the independent checker (tests/checker.py). ``cost`` =
Σ_t spend[t] / Σ_t B[t]; every case's budget is 100 a year unless stated.
"""
