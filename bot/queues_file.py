"""Load the queue policy file (TOML) into the core's QueuePolicy, with a clear message when it is wrong."""

from __future__ import annotations

import re

from bot.config import SettingsError
from bot.policy_files import read_policy
from handlers.domain.queue import QueueConfigError, QueuePolicy, parse_queues

CHANNEL_SHAPES = {  # what a channel id looks like on each chat tool
    "slack": (re.compile(r"^[CG][A-Z0-9]{2,20}$"), "a Slack channel id such as C0123ABCD"),
    "teams": (re.compile(r"^19:\S{1,250}$"), "a Teams conversation id such as 19:…@thread.tacv2"),
}


def load_queues(path: str) -> QueuePolicy:
    """Read and check the queue file; a relative path is looked up in the working folder, then in the project."""
    found, data = read_policy("QUEUES_CONFIG", path)
    try:
        policy = parse_queues(data)
    except QueueConfigError as exc:
        raise SettingsError(f"QUEUES_CONFIG {found}: {exc}.") from None
    for queue in policy.all():
        for surface, channel in queue.channels.items():
            shape = CHANNEL_SHAPES.get(surface)
            if shape is None:
                raise SettingsError(f"QUEUES_CONFIG {found}: queue {queue.name} names {surface!r}: not a chat tool.")
            if not shape[0].match(channel):
                raise SettingsError(f"QUEUES_CONFIG {found}: queue {queue.name}: {channel!r} is not {shape[1]}.")
    return policy
