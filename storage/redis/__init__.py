"""Redis coordination: a stream with a consumer group, locks, dedupe (rate limits live in storage.rate_limit)."""
