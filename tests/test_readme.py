"""The README documents the two commands and the layer schema exactly as the code defines it."""

from __future__ import annotations

from pathlib import Path

from layers.schema_doc import schema_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_schema_tables_match_the_code():
    text = README.read_text(encoding="utf-8")
    documented = text.split("<!-- schema:start -->\n", 1)[1].split("<!-- schema:end -->", 1)[0]
    assert documented == schema_markdown()


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
