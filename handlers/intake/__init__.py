"""Intake: receiving posts, threading follow-ups onto cases, triage (noise, topics, priority), feed positions."""
