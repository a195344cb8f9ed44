"""What the running app holds: the loaded community, what is derived from it, the clock, and
why it could not start (refusals)."""
