"""Queues: the work split into named segments (brand, tier, topic, source), each with its own channels."""
