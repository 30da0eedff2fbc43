"""Ticketing systems of record: built-in (in storage/sql/tickets.py), Zendesk and a signed webhook."""
