"""No import cycle between the project's modules, counting every import statement.

Every ``.py`` under ``geo_app/`` and ``layers/`` is parsed with :mod:`ast` (nothing is
imported), and every ``import`` / ``from … import`` in it is collected: at module level, under
``if TYPE_CHECKING:``, inside functions and classes alike, relative imports resolved against
the importing module. ``from package import name`` counts as importing the submodule
``package.name`` when there is one, else ``package`` itself. Importing ``a.b`` implicitly runs
``a/__init__.py`` first; that implicit edge is not counted (a package's ``__init__`` importing
its own modules is not a cycle), an explicit ``from a import x`` is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo_app", "layers")

Graph = dict[str, set[str]]


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``root/<package>``."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def project_module(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of the dotted ``name`` that is a project module (or None)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def imports_of(tree: ast.AST, *, package: str, modules: dict[str, Path]) -> set[str]:
    """The project modules the import statements anywhere in ``tree`` name.

    ``package`` is the package relative imports are resolved against (the module's own
    package; the package itself for an ``__init__``).
    """
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(project_module(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else project_module(base, modules))
    found.discard(None)
    return found  # type: ignore[return-value]


def import_graph(root: Path, packages: Iterable[str]) -> Graph:
    """Module → the project modules it imports (explicitly, anywhere in its file)."""
    modules = module_files(root, packages)
    graph: Graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        graph[module] = imports_of(tree, package=package, modules=modules) - {module}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle (as a closed walk of module names) per strongly connected part of ``graph``
    that has one (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    parts: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    parts.append(sorted(part))
    return [_cycle_in(graph, set(part)) for part in parts]


def _cycle_in(graph: Graph, part: set[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected ``part``."""
    first = min(part)
    previous: dict[str, str] = {}
    frontier = [first]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & part):
                if child == first:
                    walk = [node]
                    while walk[-1] != first:
                        walk.append(previous[walk[-1]])
                    return [*reversed(walk), first]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{sorted(part)} is not strongly connected")  # pragma: no cover


def describe(found: list[list[str]]) -> str:
    return "\n".join(" → ".join(cycle) for cycle in found)


def within(graph: Graph, prefixes: tuple[str, ...]) -> Graph:
    """The part of ``graph`` between modules named ``prefix`` or ``prefix.…``."""

    def inside(name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    return {m: {t for t in ts if inside(t)} for m, ts in graph.items() if inside(m)}


# --- the checker checks what it claims ---------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_cycle_through_a_function_level_relative_import_is_found(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def later():\n    from .sub import c\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import x\n"
            ),
        },
    )
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.a"] == {"pkg.b"}  # `from pkg import b`: the submodule, not the package
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]


def test_importing_a_name_from_a_package_counts_its_init(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import f\n",
            "pkg/a.py": "def f():\n    import pkg.b\n",
            # runs pkg/__init__, which imports a, which imports b
            "pkg/b.py": "from pkg import f\n",
        },
    )
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.b"] == {"pkg"}
    assert cycles(graph) == [["pkg", "pkg.a", "pkg.b", "pkg"]]


def test_a_package_importing_its_own_modules_is_no_cycle(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import f\nfrom pkg.b import g\n",
            "pkg/a.py": "def f(): ...\n",
            "pkg/b.py": "from pkg.a import f\n\ndef g(): ...\n",
        },
    )
    assert cycles(import_graph(tmp_path, ["pkg"])) == []


# --- the project --------------------------------------------------------------------------


def test_the_walking_engine_and_the_layers_import_no_cycle():
    graph = within(import_graph(ROOT, PACKAGES), ("geo_app.walking", "layers"))
    assert len(graph) > 10
    found = cycles(graph)
    assert not found, f"import cycles:\n{describe(found)}"


def test_the_walking_network_knows_nothing_of_indexes_or_fences():
    graph = import_graph(ROOT, PACKAGES)
    assert graph["geo_app.walking.graph"].isdisjoint(
        {
            "geo_app.walking.attachment",
            "geo_app.walking.fences",
            "geo_app.walking.prepared",
            "geo_app.walking.segment_index",
        }
    )


def test_no_import_cycle_in_geo_app_and_layers():
    found = cycles(import_graph(ROOT, PACKAGES))
    assert not found, f"import cycles:\n{describe(found)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_is_parsed(package):
    modules = module_files(ROOT, [package])
    assert package in modules
    assert all(path.is_file() for path in modules.values())
