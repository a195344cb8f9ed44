"""Blueprints: one per user group (the map, residents, planners, grid leaders, API)."""
