"""Drafted replies from an optional chat-completions model: the prompt (this customer's conversation, the scrubbed
suggestions, the brand's tone guide) and the draft, checked against the network's length."""
