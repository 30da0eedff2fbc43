"""The Mastodon face: a Mastodon.py client on the brand account's instance, its feeds, replies and rules."""
