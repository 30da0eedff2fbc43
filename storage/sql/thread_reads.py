"""What threading reads of open cases, in SQL: the threads' locks, and the cases holding a batch's tweets,
conversations and authors, all three looked up in one statement."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Integer, literal, select, text, union_all

from handlers.domain.complaint import OpenCase, Status
from handlers.ports.complaints import ThreadIndex
from storage.sql.advisory import INTAKE_LOCK, MAX_THREAD_LOCKS, advisory_key
from storage.sql.complaint_rows import MAX_MERGE_HOPS, OPEN, SqlRows
from storage.sql.set_queries import chunks, one_of
from storage.sql.tables import complaints, messages

_TWEET, _CONVERSATION, _AUTHOR, _PRIVATE = 0, 1, 2, 3  # which lookup a row of the one statement answers


class SqlThreadReads(SqlRows):
    """Threading's locks and reads on the `complaints` and `messages` tables."""

    def lock_threads(self, keys: Collection[str]) -> None:
        """Take the threads' advisory locks until the transaction ends (PostgreSQL; SQLite has one writer at a time).

        Every intake transaction takes the intake lock first, shared, then its keys in ascending
        order, so two never deadlock. A batch with more keys than MAX_THREAD_LOCKS takes the intake
        lock alone, exclusively, instead: the server's lock table stays bounded in a storm."""
        if self._c.dialect.name != "postgresql" or not keys:
            return
        if len(keys) > MAX_THREAD_LOCKS:
            self._c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INTAKE_LOCK})
            return
        self._c.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": INTAKE_LOCK})
        self._c.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS in_order"
            ),
            {"keys": sorted({advisory_key(key) for key in keys})},
        )

    def thread_index(
        self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]
    ) -> ThreadIndex:
        """Open cases holding these tweets, conversations or authors (each author's newest open case; a
        conversation's oldest).

        A tweet of a case that was merged belongs to the case it was merged into.
        """
        index = ThreadIndex(by_tweet={}, by_conversation={}, by_author={})
        found: dict[str, int] = {}  # tweet -> its case, open or merged
        open_case: dict[int, int] = {}  # case -> the open case it is or was merged into
        merged: dict[int, int] = {}  # a merged case -> the case it was merged into
        newest: dict[str, tuple[Any, int]] = {}
        private: dict[str, int] = {}  # a private conversation (or our private status) -> its open case
        for part, key, case_id, created_at, status, merged_into in self._thread_rows(
            source, tweet_ids, conversation_ids, authors
        ):
            if part == _TWEET:
                found[key] = case_id
                if status in OPEN:
                    open_case[case_id] = case_id
                elif merged_into is not None:
                    merged[case_id] = merged_into
            elif part == _CONVERSATION:
                index.by_conversation[key] = min(case_id, index.by_conversation.get(key, case_id))
            elif part == _PRIVATE:  # a private conversation we opened: its messages, and replies to ours, join it
                private[key] = case_id
            elif key not in newest or (created_at, case_id) > newest[key]:
                newest[key] = (created_at, case_id)
        index.by_conversation.update({key: case for key, case in private.items() if key in conversation_ids})
        leads = self._open_case_of(set(merged.values()), MAX_MERGE_HOPS - 1)  # the first hop was read above
        open_case.update({case: leads[into] for case, into in merged.items() if into in leads})
        index.by_tweet.update({tweet: open_case[case] for tweet, case in found.items() if case in open_case})
        index.by_author.update({author: OpenCase(case_id, at) for author, (at, case_id) in newest.items()})
        index.by_tweet.update({key: case for key, case in private.items() if key in tweet_ids})
        return index

    def _thread_rows(self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]) -> Any:
        """(lookup, key, case id, created at, status, merged into) for every case the batch's keys find: one
        statement for a batch (CHUNK keys of each kind at most), one per CHUNK beyond."""
        tweets, conversations, people = chunks(tweet_ids), chunks(conversation_ids), chunks(authors)
        rows: list[Any] = []
        for n in range(max(len(tweets), len(conversations), len(people))):
            lookups = self._lookups(
                source,
                tweets[n] if n < len(tweets) else [],
                conversations[n] if n < len(conversations) else [],
                people[n] if n < len(people) else [],
            )
            rows += self._c.execute(lookups).all()
        return rows

    def _lookups(self, source: str, tweet_ids: list[str], conversation_ids: list[str], authors: list[str]) -> Any:
        """The one statement: each lookup asked for a part of a UNION ALL, tagged with which it is."""
        c = complaints.c
        columns = (c.id, c.created_at, c.status, c.merged_into)
        is_open = c.status.in_(OPEN)
        parts = []
        if tweet_ids:
            parts.append(
                select(literal(_TWEET, Integer), messages.c.external_id, *columns)
                .select_from(messages.join(complaints, c.id == messages.c.complaint_id))
                .where(
                    messages.c.source == source,
                    one_of(self._c, messages.c.external_id, tweet_ids),
                    c.status.in_([*OPEN, Status.MERGED.value]),
                )
            )
        if conversation_ids:
            parts.append(
                select(literal(_CONVERSATION, Integer), c.conversation_id, *columns).where(
                    c.source == source, one_of(self._c, c.conversation_id, conversation_ids), is_open
                )
            )
        if tweet_ids or conversation_ids:
            parts.append(
                select(literal(_PRIVATE, Integer), c.private_conversation_id, *columns).where(
                    c.source == source,
                    one_of(self._c, c.private_conversation_id, sorted({*tweet_ids, *conversation_ids})),
                    is_open,
                )
            )
        if authors:
            parts.append(
                select(literal(_AUTHOR, Integer), c.author_key, *columns).where(
                    c.source == source, one_of(self._c, c.author_key, authors), is_open
                )
            )
        return union_all(*parts)

    def _open_case_of(self, case_ids: set[int], hops: int = MAX_MERGE_HOPS) -> dict[int, int]:
        """Each case's open case: itself when open, else the open case its merges lead to (if any)."""
        resolved: dict[int, int] = {}
        pending = {case: case for case in case_ids}  # the case asked about -> where its chain has got to
        for _ in range(hops):
            if not pending:
                break
            rows = self._c.execute(
                select(complaints.c.id, complaints.c.status, complaints.c.merged_into).where(
                    complaints.c.id.in_(set(pending.values()))
                )
            ).all()
            step = {row.id: row for row in rows}
            moved: dict[int, int] = {}
            for asked, at in pending.items():
                row = step.get(at)
                if row is None:
                    continue
                if row.status in OPEN:
                    resolved[asked] = at
                elif row.status == Status.MERGED.value and row.merged_into is not None:
                    moved[asked] = row.merged_into
            pending = moved
        return resolved
