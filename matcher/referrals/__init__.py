"""Referrals (职业介绍): an office introduces a seeker to a posting and records the outcome."""
