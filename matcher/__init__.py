"""Talent mobility job matching: profiles, postings, matches, bulletins and incentives."""

__version__ = "0.1.0"
