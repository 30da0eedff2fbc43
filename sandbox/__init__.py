"""Local stand-ins for Slack's Web API and X's API v2, on 127.0.0.1, for tests and demos (not for production)."""
