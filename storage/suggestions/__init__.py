"""Suggested replies' adapters: the TF-IDF nearest-neighbour index, kept fresh from the database."""
