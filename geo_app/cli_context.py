"""What a ``geo-app`` command needs from its context: the app, and who is acting."""

from __future__ import annotations

import getpass

import click
from flask import Flask
from flask.cli import ScriptInfo


def command_app() -> Flask:
    """The app of a test runner (ScriptInfo), else one made from the environment."""
    info = click.get_current_context().find_object(ScriptInfo)
    if info is not None:
        return info.load_app()
    from geo_app import create_app

    return create_app()


def command_actor() -> str:
    """The audit log's actor for a command run by the current OS user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
