"""In-process coordination for a single process (the embedded default when REDIS_URL is unset)."""
