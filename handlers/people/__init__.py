"""People: one person, their identities on each chat surface, and how a face turns an identity into an actor."""
