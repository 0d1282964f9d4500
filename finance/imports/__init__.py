"""Statement import: file parsers, column mapping and (later) import batches.

The parsing layer here is pure Python: it turns a bank file into a
:class:`~finance.imports.statement.Statement` and never touches the database.
"""
