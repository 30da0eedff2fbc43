"""The Bluesky face: an AT Protocol client pointed at BLUESKY_SERVICE_URL, its feeds, replies and rules."""
