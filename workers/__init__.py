"""arq background jobs and the worker settings every job shares."""
