"""The test suite's own layout: shared helpers in ``support/``, never in another test module."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUPPORT = TESTS / "support"


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions (absolute names)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _suite_files() -> list[Path]:
    return sorted([*TESTS.glob("*.py"), *SUPPORT.glob("*.py")])


def test_no_test_module_imports_another_test_module_or_conftest():
    test_modules = {p.stem for p in TESTS.glob("*.py")}  # test_*.py and conftest
    offenders = {
        f"{path.relative_to(TESTS)} imports {name}"
        for path in _suite_files()
        for name in _imported_modules(path)
        if name.split(".")[0] in test_modules or name.startswith("tests.")
    }
    assert sorted(offenders) == []


def test_helpers_live_in_support():
    assert (SUPPORT / "__init__.py").exists()
    helpers_outside = [p.name for p in TESTS.glob("*.py") if not p.name.startswith("test_")]
    assert helpers_outside == ["conftest.py"]


def test_the_oracle_never_imports_the_walking_engine():
    imported = _imported_modules(SUPPORT / "oracle.py") | _imported_modules(SUPPORT / "geo.py")
    assert not [m for m in imported if m.startswith("geo_app")]


def test_one_lonlat_helper_set():
    """Plan metres ↔ lon/lat are defined once, in support/geo.py (methods of a plan aside)."""
    defined = sorted(
        f"{path.relative_to(TESTS)}:{node.name}"
        for path in _suite_files()
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and node.name in {"lonlat", "lonlats", "plan_xy"}
    )
    assert defined == ["support/geo.py:lonlat", "support/geo.py:lonlats", "support/geo.py:plan_xy"]
