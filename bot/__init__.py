"""The faces of Squeaky (Slack, X) and the wiring that puts core, storage and faces together."""
