"""The layout the tree shows (docs/architecture.md): apps stand on floors, an
app imports only from the floors below it, and no modules import each other in
a circle.

Read from the code's own imports (``ast``), nothing is run. An import inside a
function is deferred, so it is allowed only where deferring is the design: a
Celery task body (services enqueue the tasks, so the tasks import the services
when they run) and an ``AppConfig.ready`` (Django's hook for work that needs
the registry). Those are left out of the circle check and kept in the floors.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. lib/ knows no app; config/ stands apart (it wires them all).
FLOORS = ["lib", "outlets", "customers", "clocks", "shipments", "followups", "demo"]
APART = "config"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for top in [*FLOORS, APART]:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _sources()


class _Import:
    def __init__(self, module: str, targets: list[str], line: int, where: str):
        self.module, self.targets, self.line, self.where = module, targets, line, where


def _is_task(node: ast.AST) -> bool:
    for decorator in getattr(node, "decorator_list", []):
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = call.attr if isinstance(call, ast.Attribute) else getattr(call, "id", "")
        if name in {"shared_task", "task"}:
            return True
    return False


def _where(module: str, scopes: list[ast.AST]) -> str:
    """'top', 'deferred' (a task body or an app's ready) or 'nested'."""
    if not scopes:
        return "top"
    functions = [s for s in scopes if isinstance(s, ast.FunctionDef)]
    if functions and _is_task(functions[0]):
        return "deferred"
    in_app_config = module.endswith(".apps") and isinstance(scopes[0], ast.ClassDef)
    if in_app_config and functions and functions[0].name == "ready":
        return "deferred"
    return "nested"


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The first-party modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    base = node.module or ""
    if node.level:
        is_package = MODULES[module].name == "__init__.py"
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in MODULES:
            found.append(submodule)
        elif base in MODULES:
            found.append(base)
    return sorted(set(found))


def _imports(module: str) -> list[_Import]:
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    found = []

    def visit(node: ast.AST, scopes: list[ast.AST]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                where = _where(module, scopes)
                targets = _targets(module, child)
                found.append(_Import(module, targets, child.lineno, where))
            elif isinstance(child, ast.stmt) and hasattr(child, "body"):
                visit(child, [*scopes, child])
            else:
                visit(child, scopes)

    visit(tree, [])
    return found


IMPORTS = [found for module in sorted(MODULES) for found in _imports(module)]


def _app(module: str) -> str:
    return module.split(".")[0]


def _imported_apps(apps: set[str]) -> set[tuple[str, str]]:
    """(module, imported app) for the modules of ``apps``."""
    return {
        (found.module, _app(target))
        for found in IMPORTS
        if _app(found.module) in apps
        for target in found.targets
    }


def test_no_app_imports_customer_care_or_the_demo():
    below = {"outlets", "customers", "clocks", "shipments", "lib"}
    upward = {
        pair for pair in _imported_apps(below) if pair[1] in {"followups", "demo"}
    }
    assert upward == set()


def test_no_app_below_shipments_imports_shipments():
    below = {"customers", "clocks", "outlets", "lib"}
    assert {pair for pair in _imported_apps(below) if pair[1] == "shipments"} == set()


def test_each_app_imports_only_its_own_floor_and_those_below():
    floor = {app: level for level, app in enumerate(FLOORS)}
    upward = sorted(
        f"{module} -> {app}"
        for module, app in _imported_apps(set(FLOORS))
        if app == APART or floor[app] > floor[_app(module)]
    )
    assert upward == []


def test_lib_imports_no_app():
    assert {app for _module, app in _imported_apps({"lib"})} <= {"lib"}


def test_imports_inside_functions_are_only_in_task_bodies():
    nested = [
        f"{MODULES[found.module].relative_to(ROOT)}:{found.line}"
        for found in IMPORTS
        if found.where == "nested"
    ]
    assert nested == []


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return circles


def test_no_modules_import_each_other_in_a_circle():
    graph = defaultdict(set)
    for module in MODULES:
        graph[module]
    for found in IMPORTS:
        if found.where == "top":
            graph[found.module].update(found.targets)
    assert _circles(graph) == []


def test_the_checks_see_the_whole_tree():
    """A check that reads nothing passes: make sure these read the apps."""
    apps = {_app(module) for module in MODULES}
    assert apps == {*FLOORS, APART}
    assert len(IMPORTS) > 500
    assert any(found.where == "deferred" for found in IMPORTS)
    assert ("shipments.tracking.views", "customers") in _imported_apps({"shipments"})
