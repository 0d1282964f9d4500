"""The domains form a stack: each imports only the domains below it (docs/architecture.md).

The imports are read with ``ast`` from every module of ``finance/<domain>/`` except its tests and
migrations: module-level imports, imports inside functions and ``TYPE_CHECKING`` blocks alike. A
lower domain lets a higher one react through a domain event or an extension point
(``finance.core.events``), never by importing it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FINANCE = Path(__file__).resolve().parent.parent / "finance"

# Lowest first. Domains on one line are peers: they may not import each other either. The planned
# domains (search … attachments) have their place before they exist.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("audit",),
    ("users",),
    ("households",),
    ("currency",),
    ("ledger",),
    ("categorization",),
    ("budgets",),
    ("analytics",),
    ("privacy",),
    ("imports",),
    ("search",),
    ("investments",),
    ("banking",),
    ("schedules",),
    ("notifications",),
    ("reports",),
    ("attachments",),
    ("demo",),
    ("web", "compat", "agent"),
)
RANK = {domain: level for level, peers in enumerate(LAYERS) for domain in peers}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    source: str  # the importing domain
    target: str  # the imported domain
    module: str
    in_function: bool
    comment: str  # the comment on the import's line, if any

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.module}"


def domains() -> list[str]:
    return sorted(p.name for p in FINANCE.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def modules() -> Iterator[Path]:
    for path in sorted(FINANCE.rglob("*.py")):
        parts = path.relative_to(FINANCE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0 and node.module:
        if node.module == "finance":  # from finance import ledger
            return [f"finance.{alias.name}" for alias in node.names]
        return [node.module]
    return []


def imports_of(path: Path, root: Path = FINANCE) -> Iterator[Import]:
    text = path.read_text()
    lines = text.splitlines()
    source = path.relative_to(root).parts[0]

    def walk(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if not isinstance(child, ast.Import | ast.ImportFrom):
                yield from walk(child, nested)
                continue
            for module in _imported(child):
                parts = module.split(".")
                if parts[0] != "finance" or len(parts) < 2 or parts[1] == source:
                    continue
                line = lines[child.lineno - 1]
                comment = line.split("#", 1)[1].strip() if "#" in line else ""
                yield Import(path, child.lineno, source, parts[1], module, in_function, comment)

    yield from walk(ast.parse(text, filename=str(path)), False)


def all_imports() -> list[Import]:
    return [found for path in modules() for found in imports_of(path)]


def test_every_domain_has_a_place_in_the_stack() -> None:
    unknown = [name for name in domains() if name not in RANK]
    assert unknown == [], f"add these domains to LAYERS (and docs/architecture.md): {unknown}"


def test_no_domain_imports_one_above_it_or_beside_it() -> None:
    against = [str(found) for found in all_imports() if RANK.get(found.target, -1) >= RANK[found.source]]
    assert against == [], "imports against the layer order:\n" + "\n".join(against)


def test_imports_between_domains_sit_at_the_top_of_the_module() -> None:
    """An import inside a function dodges an import cycle; one between domains needs a comment saying why."""
    hidden = [str(found) for found in all_imports() if found.in_function and not found.comment]
    assert hidden == [], "function-level imports of another domain without a reason:\n" + "\n".join(hidden)


def test_the_checker_sees_upward_and_function_level_imports(tmp_path: Path) -> None:
    """The walk finds what the tests above must refuse (a checker that sees nothing passes everything)."""
    module = tmp_path / "finance" / "ledger" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from finance.core.money import ZERO\n"
        "from finance.budgets import services\n"
        "def later():\n"
        "    from finance.households.models import Household\n"
        "    import finance.currency.models  # rates are read lazily here\n"
    )
    found = [(i.target, i.in_function, i.comment) for i in imports_of(module, root=tmp_path / "finance")]
    assert found == [
        ("core", False, ""),
        ("budgets", False, ""),
        ("households", True, ""),
        ("currency", True, "rates are read lazily here"),
    ]
    assert RANK["budgets"] > RANK["ledger"] > RANK["households"]


def _drf_free(path: Path) -> bool:
    """Services, selectors, domain errors and the whole web app: what must not know the API's framework."""
    parts = path.relative_to(FINANCE).parts
    if "api" in parts:  # the API layer itself (its error envelope included)
        return False
    return (
        parts[0] == "web"
        or any(part in ("services", "selectors", "services.py", "selectors.py") for part in parts[1:])
        or parts[-1] == "errors.py"
        or parts == ("core", "exceptions.py")
        or parts == ("core", "events.py")
    )


def _uses_drf(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for module in _imported(node):
                if module == "rest_framework" or module.startswith("rest_framework."):
                    found.append(f"{path}:{node.lineno}: {module}")
    return found


def test_services_selectors_errors_and_the_web_import_no_rest_framework() -> None:
    """Domain errors are transport-free (finance.core.exceptions); DRF belongs to the API layer."""
    checked = [path for path in modules() if _drf_free(path)]
    assert len(checked) > 40  # the selection finds the modules it is about
    offending = [line for path in checked for line in _uses_drf(path)]
    assert offending == [], "DRF imported outside the API layer:\n" + "\n".join(offending)
