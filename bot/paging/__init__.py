"""Pagers beyond the default chat direct message."""
