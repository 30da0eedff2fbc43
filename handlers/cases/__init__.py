"""Cases: the lifecycle and permissions, the agent actions, on-call as they need it, and what cards and forms show."""
