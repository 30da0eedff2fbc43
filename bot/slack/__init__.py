"""The Slack face: the Bolt app, its listeners, Block Kit rendering and the chat gateway."""
