"""Text the core hands a face: rich lines (words and mentions) and relative times."""
