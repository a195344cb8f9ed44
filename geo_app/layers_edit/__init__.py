"""Live edits of the layers in the running service: save, audit, reload every worker."""
