"""Driven adapters: SQL persistence and coordination (Redis, or in-process for one process)."""
