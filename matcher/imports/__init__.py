"""Bulk import of profiles or postings from CSV (UTF-8 or GB18030) or JSONL files."""
