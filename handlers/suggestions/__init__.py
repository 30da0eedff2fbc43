"""Suggested replies learned from the team's own history: scrubbing, pairing complaints with replies, suggesting."""
