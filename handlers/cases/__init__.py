"""Cases: the complaint model, its lifecycle and permissions, the agent actions, and what cards and forms show."""
