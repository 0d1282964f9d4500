"""Transaction categorization: rules, history matching and a learned model over plain data.

The modules here need no database: the ledger turns its rows into the plain
records these functions take (see docs/categorization.md for the pipeline).
"""
