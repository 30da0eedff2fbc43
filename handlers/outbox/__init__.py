"""The outbox: the runner that carries it out and what each delivery does (its kinds and lanes: handlers.domain)."""
