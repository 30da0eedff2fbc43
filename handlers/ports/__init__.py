"""Ports: the Protocols the core needs from storage, coordination and the outside world, one file per capability."""
