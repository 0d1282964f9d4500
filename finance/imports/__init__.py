"""Statement import, in layers: ``reading`` (bytes → statement), ``matching`` (duplicates, transfers) and the
pipeline (``services``: upload, analysis, mapping; ``commit``; ``revert``; ``freshness``). See docs/imports.md.
"""
