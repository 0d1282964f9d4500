"""Reading a bank file into a :class:`~finance.imports.reading.statement.Statement`: pure Python, no database.

:mod:`.parsers` is the entry point (``parse``, ``parse_all``, ``detect``). Nothing here imports the ORM
(``finance/imports/tests/test_layers.py`` checks it, and that it imports none of the layers above).
"""
