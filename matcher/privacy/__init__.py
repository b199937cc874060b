"""Personal data (PIPL): field-level views, abuse limits, the audit log and retention."""
