"""Moving a case offline for real: the private hand-off from the card, carried out by the outbox."""
