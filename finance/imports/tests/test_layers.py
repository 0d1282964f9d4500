"""The reading layer turns bytes into a statement without the ORM, and without the layers above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

READING = Path(__file__).resolve().parent.parent / "reading"
MODULES = sorted(READING.rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """Every module the file imports (``from a import b`` counts as ``a`` and ``a.b``), relative imports resolved."""
    package = ".".join(path.relative_to(READING.parents[2]).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _orm(name: str) -> bool:
    parts = name.split(".")
    return (
        name in ("django.db", "django.apps")
        or name.startswith(("django.db.", "django.apps."))
        or (parts[0] == "finance" and "models" in parts[1:])
    )


def test_the_reading_layer_has_modules():
    assert {path.name for path in MODULES} >= {"detection.py", "mapping.py", "source.py", "tabular.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(READING)))
def test_no_reading_module_imports_the_orm(path):
    assert sorted(name for name in _imported(path) if _orm(name)) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(READING)))
def test_no_reading_module_imports_the_layers_above(path):
    above = [
        name
        for name in _imported(path)
        if name.startswith("finance.imports.") and not name.startswith("finance.imports.reading")
    ]
    assert sorted(above) == []


def test_the_check_sees_an_orm_import():
    assert _orm("django.db.models")
    assert _orm("django.apps.apps")
    assert _orm("finance.ledger.models")
    assert _orm("finance.ledger.models.Account")
    assert not _orm("django.conf.settings")
    assert not _orm("finance.core.money")
