"""People: finding a person by their identity on a surface, and erasing a customer (the types: handlers.domain)."""
