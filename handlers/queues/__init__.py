"""Queues: pulling and pushing work, moving cases between queues, storm mode and incidents (policy: handlers.domain)."""
