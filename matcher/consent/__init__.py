"""Consent to contact (PIPL art. 23): an enterprise's contact requests and the seeker's grants."""
