"""Reliability tools and their CI-sized tests (issue 8): crash consistency, database outage.

The machinery (a real ``run.py`` subprocess, a traffic generator that keeps
a ledger of every request and its answer, the journal checks) lives in the
non-test modules here, so ``bench/chaos.py``, ``bench/outage.py`` and
``bench/soak.py`` run the same code for longer.
"""
