"""Near-identical postings and doubly registered profiles (docs/api.md, "Duplicates")."""
