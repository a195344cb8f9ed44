"""``geo-app`` starts fast: a command loads only its own area, never the web stack it does not
use (Flask, SQLAlchemy, Alembic, Folium take about a second to import)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from geo_app.cli import AREA_COMMANDS, main
from geo_app.config import BUNDLED_DATA_DIR

WEB_STACK = ("flask", "sqlalchemy", "alembic", "folium", "geo_app.factory", "geo_app.store")


def run_and_list_modules(args: list[str]) -> tuple[int, str, list[str]]:
    """Run ``geo-app ARGS`` in a fresh interpreter; its exit code, output and loaded modules."""
    script = textwrap.dedent(f"""
        import json, sys
        from click.testing import CliRunner
        from geo_app.cli import main
        result = CliRunner().invoke(main, {args!r})
        print(json.dumps([result.exit_code, result.output, sorted(sys.modules)]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    code, output, modules = json.loads(out.stdout.strip().splitlines()[-1])
    return code, output, modules


@pytest.mark.parametrize("args", [
    ["coverage", "--format", "csv"], ["validate", str(BUNDLED_DATA_DIR)], ["walk", "--help"],
])
def test_analysis_commands_do_not_load_the_web_stack(args: list[str]) -> None:
    code, output, modules = run_and_list_modules(args)
    assert code == 0, output
    assert output.strip()
    loaded = [m for m in WEB_STACK if m in modules]
    assert loaded == []


def test_every_area_command_is_listed_and_loads_as_itself() -> None:
    from click.testing import CliRunner

    listing = CliRunner().invoke(main, ["--help"]).output
    for name in AREA_COMMANDS:
        assert name in listing
        assert main.get_command(None, name).name == name  # type: ignore[arg-type]
