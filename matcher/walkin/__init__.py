"""A walk-in worker described in their own words, matched to postings without a stored profile."""
