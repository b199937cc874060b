"""Index migrations: derived fields backfilled and vectors re-embedded while records are copied."""
