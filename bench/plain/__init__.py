"""The plain baseline: a minimal Django + DRF API measured next to ours in every ``make bench`` run.

It is what a first implementation of the same three operations looks like (docs/benchmarks.md,
"Plain baseline"): a create that inserts one row and deletes one cache key, the first page of a
list, and a cached balance, behind simplejwt bearer authentication (one user query per request).
It imports nothing from ``finance`` or ``config``; its settings are ``bench.plain.settings``.
"""
