"""Load the queue policy file (TOML) into the core's QueuePolicy, with a clear message when it is wrong."""

from __future__ import annotations

from bot.chat_tools import tool_named
from bot.config import SettingsError
from bot.policy_files import read_policy
from handlers.domain.queue import QueueConfigError, QueuePolicy, parse_queues


def load_queues(path: str) -> QueuePolicy:
    """Read and check the queue file; a relative path is looked up in the working folder, then in the project."""
    found, data = read_policy("QUEUES_CONFIG", path)
    try:
        policy = parse_queues(data)
    except QueueConfigError as exc:
        raise SettingsError(f"QUEUES_CONFIG {found}: {exc}.") from None
    for queue in policy.all():
        for surface, channel in queue.channels.items():
            tool = tool_named(surface)
            if tool is None:
                raise SettingsError(f"QUEUES_CONFIG {found}: queue {queue.name} names {surface!r}: not a chat tool.")
            shape, what = tool.channel_shape  # what a channel id looks like on that chat tool
            if not shape.match(channel):
                raise SettingsError(f"QUEUES_CONFIG {found}: queue {queue.name}: {channel!r} is not {what}.")
    return policy
