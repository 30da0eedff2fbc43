"""The outbox: its kinds and lanes, the runner that carries it out, and what each delivery does."""
