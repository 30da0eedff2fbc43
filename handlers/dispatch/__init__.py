"""What the core hands the outbox: its decisions, one chat message per surface that is on."""
