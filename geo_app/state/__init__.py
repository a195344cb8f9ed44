"""What the running app holds: the loaded community, what is derived from it, and the clock."""
