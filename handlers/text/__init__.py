"""Text the core hands a face: relative times and figures (rich lines are in handlers.domain.rich_text)."""
