"""The X face: a tweepy client pointed at X_API_URL, the mentions poller and tweet normalization."""
