"""Shared test helpers, imported as ``support.<module>`` (pytest puts ``tests/`` on the path).

No test module imports another test module or ``conftest``: what several tests share lives here,
fixtures live in ``tests/conftest.py``. See README.md for what lives where.
"""
