"""The schema, as SQLAlchemy Core tables (changed only together with an Alembic migration)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone, so we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC; refuse naive datetimes, which would be ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite, so autoincrement works on both.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per person, whichever chat tools they use; `identities` repeats person_identities for reading with a
# complaint's owner in one join.
people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("display_name", String(255), nullable=False),
    Column("email", String(320), index=True),
    Column("identities", JSON, nullable=False),  # surface -> their id there
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Who someone is on each surface: a Slack user id, a Teams (Microsoft Entra) object id.
person_identities = Table(
    "person_identities",
    metadata,
    Column("surface", String(16), primary_key=True),
    Column("external_id", String(255), primary_key=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("display_name", String(255), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("handle", String(255), primary_key=True),  # lower-cased, without "@"; "bsky:…", "mastodon:…" elsewhere
    Column("tier", String(32), nullable=False, server_default="standard"),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("private_stopped_at", UTCDateTime()),  # they answered "stop": never messaged privately again
)

_PRIVATE = text("private_conversation_id IS NOT NULL")  # threading looks these up for every batch
# PostgreSQL keeps a fifth of each page free (fillfactor 80, migration 0020): a follow-up count is updated in place.
complaints = Table(
    "complaints",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("author_id", String(128), nullable=False),
    Column("author_handle", String(255), nullable=False),  # Bluesky's are domain names, Mastodon's user@instance
    Column("author_name", String(128), nullable=False),
    Column("author_followers", Integer),  # at arrival, when the network said (stats fairness reads it)
    Column("text", Text, nullable=False),
    Column("url", Text),
    Column("author_url", Text),  # the author's profile, where the network gives its address (Mastodon)
    Column("conversation_id", String(128)),
    Column("in_reply_to_id", String(128)),
    Column("mentions_us", Boolean, nullable=False, server_default=true()),
    Column("post_cid", String(128)),  # Bluesky: the post's CID, which a threaded reply names with its URI
    Column("visibility", String(16)),  # Mastodon: who may see the post; a reply never goes wider than it
    Column("created_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    # when the customer posted (created_at), never later than received_at: the queue's order and the waits go by it
    Column("posted_at", UTCDateTime(), nullable=False),
    Column("fingerprint", String(160)),  # near-duplicate keys of its words (handlers.intake.surges), one per band
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("tier", String(32), nullable=False, server_default="standard"),
    Column("queue", String(32), nullable=False, server_default="care"),
    Column("owner_person_id", Id, ForeignKey("people.id")),
    Column("owner_name", String(255)),  # the owner's name when they claimed it (statistics by agent read it)
    Column("claimed_at", UTCDateTime()),
    Column("author_key", String(255), nullable=False, server_default=""),  # lower-cased handle, for threading
    Column("topic", String(64), nullable=False, server_default="other"),
    Column("topic_by", String(16), nullable=False, server_default="rule"),  # the keyword rules, or the learned model
    Column("skill_group", String(64)),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("priority_reasons", JSON, nullable=False, server_default="[]"),
    Column("queue_rank", Float, nullable=False, server_default="0"),
    Column("noise_rule", String(32)),
    Column("followup_count", Integer, nullable=False, server_default="0"),
    Column("reply_text", Text),
    Column("reply_status", String(16)),
    Column("reply_post_id", String(255)),  # a Bluesky post's id is its at:// URI
    Column("reply_url", Text),
    Column("reply_error", Text),
    Column("ticket_system", String(32)),
    Column("ticket_subject", Text),
    Column("ticket_status", String(16)),
    Column("ticket_number", String(64)),
    Column("ticket_url", Text),
    Column("ticket_error", Text),
    Column("private_text", Text),  # our first private message to the customer (handlers.domain PrivateHandoff)
    Column("private_status", String(16)),
    Column("private_conversation_id", String(255)),  # an X DM conversation, a Bluesky convo, a Mastodon status
    Column("private_message_id", String(255)),
    Column("private_error", Text),
    Column("survey_asked_at", UTCDateTime()),  # satisfaction: asked once, privately, when the case closed
    Column("survey_rating", Integer),  # 1 to 5, the customer's answer
    Column("survey_answered_at", UTCDateTime()),
    Column("dismiss_reason", String(64)),
    Column("merged_into", Id, ForeignKey("complaints.id")),
    # Milestones (the first time each happened), for team statistics and service levels.
    Column("first_claimed_at", UTCDateTime()),
    Column("acknowledged_at", UTCDateTime()),
    Column("ticketed_at", UTCDateTime()),
    Column("resolved_at", UTCDateTime()),
    Column("sla_stage", Integer, nullable=False, server_default="0"),  # escalations sent in this wait
    Column("paged_alone", Boolean, nullable=False, server_default=false()),  # paged on arrival, in this wait
    Column("requeued_at", UTCDateTime()),  # the wait for an owner began here, not at arrival (a release, an expiry)
    Column("updated_at", UTCDateTime()),  # the last transition: which days the statistics rollup must redo
    UniqueConstraint("source", "external_id"),
    Index(None, "status", "received_at"),
    Index(None, "author_key", "status"),
    Index(None, "conversation_id"),
    Index(None, "status", "claimed_at"),
    Index(None, "status", "queue_rank"),  # the backlog, in the card queue's order
    Index(None, "queue", "status"),
    Index(None, "received_at"),
    Index(None, "updated_at"),
    Index(None, "status", "posted_at"),
    Index(None, "private_conversation_id", postgresql_where=_PRIVATE, sqlite_where=_PRIVATE),  # few cases have one
)

# Where each complaint's cards are: one per surface and channel, with the surface's own reference to the message
# (a Slack timestamp; a Teams conversation, activity and service address), opaque to the core.
complaint_cards = Table(
    "complaint_cards",
    metadata,
    Column("complaint_id", Id, ForeignKey("complaints.id"), primary_key=True),
    Column("surface", String(16), primary_key=True),
    Column("channel", String(255), primary_key=True),
    Column("reference", JSON, nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
)

# Every tweet (or other post) Squeaky has seen, once: the opening of a case, a follow-up
# threaded onto one, our own replies, and what the noise rules filtered out.
messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("complaint_id", Id, ForeignKey("complaints.id"), index=True),
    Column("kind", String(16), nullable=False),  # opening | followup | brand | filtered
    Column("author_handle", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("conversation_id", String(128)),
    Column("in_reply_to_id", String(128)),
    Column("note", String(64)),  # why it was threaded, or the noise rule that filtered it
    Column("ticket_key", String(200)),  # the ticket request that carries it in its conversation, fixed on its first try
    UniqueConstraint("source", "external_id"),
    Index(None, "kind", "received_at"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("complaint_id", Id, ForeignKey("complaints.id"), index=True),  # none for team settings and spikes
    Column("actor_id", String(64), nullable=False),  # the person's key (or "squeaky" for the system)
    Column("actor_name", String(128), nullable=False),
    Column("surface", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16)),
    Column("at", UTCDateTime(), nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_events_at", "at"),
)

_PENDING = text("status = 'pending'")
_LEASED = text("leased_until IS NOT NULL")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(255), nullable=False, unique=True),
    Column("lane", String(300), nullable=False, server_default=""),  # the outside budget it shares (its body's lane)
    Column("complaint_id", Id, ForeignKey("complaints.id")),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),  # pending, held, done, failed
    Column("attempts", Integer, nullable=False, server_default="0"),  # tries (leases that ran)
    Column("failures", Integer, nullable=False, server_default="0"),  # counted failures (not rate limits, outages)
    Column("available_at", UTCDateTime(), nullable=False),
    Column("leased_until", UTCDateTime()),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    Column("rank", Float, nullable=False, server_default="0"),  # higher goes first (cards by priority)
    Column("lease", String(32)),  # the token of the current lease: only its holder finishes, retries or gives back
    Column("ordering", String(300)),  # the chat channel whose rank order this keeps (its body's ordering), or none
    Column("lease_owner", String(128)),  # the worker holding the lease: its leases are free once it falls silent
    Index(None, "status", "available_at"),
    Index("ix_outbox_complaint_id", "complaint_id"),
    Index("ix_outbox_due", "rank", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),  # read backwards
    Index("ix_outbox_leased", "ordering", postgresql_where=_LEASED, sqlite_where=_LEASED),
    Index("ix_outbox_done_at", "done_at"),
)

# The worker processes, each beating twice a second: one silent for three seconds is gone, and its leases are free.
workers = Table(
    "workers",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("complaint_id", Id, ForeignKey("complaints.id"), nullable=False, index=True),
    Column("system", String(32), nullable=False),
    Column("external_id", String(128)),
    Column("url", Text),
    Column("subject", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("request_key", String(200), unique=True),  # the same request twice makes one ticket
    Column("priority", String(16)),
    Column("notes", Text),
    Column("contact", Text),
    Column("card_url", Text),
    Column("conversation", JSON),
)

# Runs of similar complaints per queue, one row per near-duplicate key: since when, how many, and the first one's
# title (a few words, no handles or links) and keys. A run ends after a quiet window, and is forgotten ten minutes
# after its last complaint; every worker adds to the same row (storm mode from a surge of them).
surges = Table(
    "surges",
    metadata,
    Column("queue", String(32), primary_key=True),
    Column("band", String(24), primary_key=True),
    Column("first_at", UTCDateTime(), nullable=False),
    Column("last_at", UTCDateTime(), nullable=False),
    Column("count", Integer, nullable=False),
    Column("sample", Text, nullable=False),
    Column("fingerprint", String(160), nullable=False),  # the example's near-duplicate keys: who else is like it
    Index(None, "last_at"),
)

# How many complaints each intake transaction opened on a queue, and when: a queue's usual rate is their sum over a
# day (a few rows a batch, forgotten after a day), whatever the day's traffic.
queue_arrivals = Table(
    "queue_arrivals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("queue", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("count", Integer, nullable=False),
    Index(None, "queue", "at"),
    Index(None, "at"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Service levels per customer tier, as team leads set them (defaults apply to tiers not listed).
sla_policies = Table(
    "sla_policies",
    metadata,
    Column("tier", String(32), primary_key=True),
    Column("claim_minutes", Integer, nullable=False),
    Column("ack_minutes", Integer, nullable=False),
    Column("page_on_arrival", Boolean, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Small named team settings kept as JSON: the on-call roster, the spike detector's memory.
team_settings = Table(
    "team_settings",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Team statistics rolled up per hour of arrival (hours = 1) and per UTC day (hours = 24), with
# `hour_start` in hours since the Unix epoch: counts, and histograms of durations in
# logarithmic buckets, for the whole team (dim "all") and per tier, topic, source and agent.
stats_rollup = Table(
    "stats_rollup",
    metadata,
    Column("hours", Integer, primary_key=True),
    Column("hour_start", Integer, primary_key=True),
    Column("dim", String(16), primary_key=True),
    Column("metric", String(16), primary_key=True),
    Column("value", String(128), primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# Past complaints and the brand's first public reply (scrubbed), imported from a conversation export, that suggested
# replies learn from beside our own answered cases; `digest` makes a second import of the same pairs add nothing.
past_replies = Table(
    "past_replies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand", String(64), nullable=False),
    Column("complaint", Text, nullable=False),
    Column("reply", Text, nullable=False),
    Column("origin", String(64), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("imported_at", UTCDateTime(), nullable=False),
)

# Posts read from a network and not yet known stored: written with the feed's position in one transaction, so a
# Redis that loses its stream loses nothing read (workers sweep what the stream did not deliver).
arrivals = Table(
    "arrivals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("post", Text, nullable=False),  # the post as the stream carries it (handlers.intake.stream_codec), JSON
    Column("arrived_at", UTCDateTime(), nullable=False),
    UniqueConstraint("source", "external_id"),
    Index(None, "arrived_at"),
)

# Clicks queued for a worker, until decided: one queued when Redis lost its stream is answered "click again".
queued_clicks = Table(
    "queued_clicks",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("click", Text, nullable=False),  # the click as queued (bot.slack.clicks), JSON
    Column("queued_at", UTCDateTime(), nullable=False),
    Column("deciding_since", UTCDateTime()),  # a worker took it; another may answer it only after a while
    Index(None, "queued_at"),
)
