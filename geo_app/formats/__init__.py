"""Text formats every export shares (spreadsheet-safe CSV), apart from the store, so that a
command writing a table does not load the database layer."""
