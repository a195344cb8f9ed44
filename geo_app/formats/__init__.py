"""Text formats every export shares (spreadsheet-safe CSV) and the reading of typed numbers
(full-width digits), apart from the store and the web layer, so that a command writing a table
or checking a number does not load the database layer."""
