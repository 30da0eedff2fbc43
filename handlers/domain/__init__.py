"""The domain: the core's data types and the pure rules over them, importing only the standard library."""
