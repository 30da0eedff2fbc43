"""The process's heap once it is built: what startup made is set aside from the garbage collector's passes."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect once, then freeze what survives (modules, compiled rules, the engine, the triage tables): the
    collector's full passes then walk only what the work makes, not the whole process at every pass."""
    gc.collect()
    gc.freeze()
