"""Transaction categorization: rules, history matching and a learned model over plain data.

The engine (``normalize``, ``rules``, ``history``, ``classifier``, ``pipeline``) needs no database:
``services`` turns the ledger's rows into the plain records it takes, and the ledger reaches
``services`` only through what ``listeners`` registers: two extension points and a domain-event
listener (see docs/categorization.md for the pipeline).
"""
