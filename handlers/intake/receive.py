"""Receive normalized complaints in batches: store each post once, thread follow-ups, triage new cases, queue cards.

One transaction per batch. Dedupe is the fast first check; the messages table's
unique key on (source, external id) is the last word, so a flushed Redis changes
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import (
    PRIVATE_CHANNEL,
    PRIVATE_VISIBILITIES,
    IncomingComplaint,
    Message,
    MessageKind,
    NewCase,
    OpenCase,
    posted_time,
)
from handlers.domain.outbox_kinds import URGENT_RANK, CardFollowUp, CardPost, CardUpdate
from handlers.intake.follow_ups import find_case, thread_keys
from handlers.intake.noise import NO_CASE_PRIVATELY, OWN_POST, NoiseAction, Verdict, judge
from handlers.intake.priority import FOLLOWUP_LINE_POINTS, assess, queue_rank
from handlers.intake.private_answers import answered_privately
from handlers.intake.surges import fingerprint_of, start_for_surge, surging
from handlers.intake.ticket_additions import additions
from handlers.intake.topics import decide
from handlers.intake.triage import Triage
from handlers.intake.vip_registry import registry_key
from handlers.ports.clock import Clock
from handlers.ports.complaints import DuplicateKey
from handlers.ports.coordination import Dedupe
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEDUPE_TTL_SECONDS = 24 * 3600  # as long as the dedupe set is read (a day or two); the unique key decides after
_ATTEMPTS = 3  # a batch that lost a unique-key race is re-read: what the winner stored is then a duplicate
MAX_POSTS_PER_TRANSACTION = 500  # a storm is stored in transactions this size: short, and none holds locks long


@dataclass
class IntakeResult:
    """What one batch did."""

    opened: list[int] = field(default_factory=list)
    threaded: int = 0
    rows_written: int = 0  # rows added to storage, all tables together
    filtered: dict[str, int] = field(default_factory=dict)
    marked: int = 0
    duplicates: int = 0
    brand_replies: int = 0

    def absorb(self, other: IntakeResult) -> None:
        """Add what another batch did to this result."""
        self.opened.extend(other.opened)
        self.threaded += other.threaded
        self.rows_written += other.rows_written
        for rule, count in other.filtered.items():
            self.filtered[rule] = self.filtered.get(rule, 0) + count
        self.marked += other.marked
        self.duplicates += other.duplicates
        self.brand_replies += other.brand_replies


def dedupe_key(item: IncomingComplaint) -> str:
    """The key that makes a post the same post, whichever path delivered it."""
    return f"complaint:{item.source}:{item.external_id}"


def receive(
    uow_factory: UnitOfWorkFactory, clock: Clock, dedupe: Dedupe, triage: Triage, items: Sequence[IncomingComplaint]
) -> IntakeResult:
    """Store, thread and triage `items` in one transaction; a second delivery of any of them is a no-op."""
    result = IntakeResult()
    keys = [dedupe_key(item) for item in items]
    remembered = dedupe.seen(keys) if keys else set()
    fresh: dict[str, IncomingComplaint] = {}
    for key, item in zip(keys, items, strict=True):
        if key in remembered or key in fresh:
            result.duplicates += 1
        else:
            fresh[key] = item
    if fresh:
        for attempt in range(_ATTEMPTS):
            stored = IntakeResult(duplicates=result.duplicates)
            try:
                with uow_factory() as uow:
                    _store(uow, clock, triage, list(fresh.values()), stored)
                    uow.commit()
                break
            except DuplicateKey:
                if attempt == _ATTEMPTS - 1:
                    raise  # the batch stays on the stream, to be taken again
        result = stored
        dedupe.remember(list(fresh), DEDUPE_TTL_SECONDS)
    return result


def receive_bounded(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    dedupe: Dedupe,
    triage: Triage,
    items: Sequence[IncomingComplaint],
    most: int = MAX_POSTS_PER_TRANSACTION,
    stored: Callable[[IntakeResult], None] | None = None,
) -> IntakeResult:
    """Store `items` oldest first in transactions of at most `most` posts, so no storm holds a long transaction
    (and the row locks agents' claims wait on); `stored` hears of each as it commits, so delivery can start.
    A post threads onto a case stored by an earlier transaction."""
    ordered = sorted(items, key=_written_order)
    result = IntakeResult()
    for start in range(0, len(ordered), most):
        part = receive(uow_factory, clock, dedupe, triage, ordered[start : start + most])
        if stored is not None:
            stored(part)
        result.absorb(part)
    return result


def _store(uow: UnitOfWork, clock: Clock, triage: Triage, items: list[IncomingComplaint], result: IntakeResult) -> None:
    uow.complaints.lock_threads(thread_keys(items))  # first: what we read of open cases then stays true till commit
    now = clock.now()
    by_source: dict[str, list[IncomingComplaint]] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    for source, group in by_source.items():
        known = uow.messages.known(source, {i.external_id for i in group})
        result.duplicates += sum(1 for i in group if i.external_id in known)
        fresh = sorted((i for i in group if i.external_id not in known), key=_written_order)
        if fresh:
            _store_source(uow, now, triage, source, fresh, result)


def _store_source(
    uow: UnitOfWork, now: datetime, triage: Triage, source: str, items: list[IncomingComplaint], result: IntakeResult
) -> None:
    """Decide each post in time order; cases opened in this batch get provisional ids (-1, -2, ...) until inserted."""
    index = uow.complaints.thread_index(
        source,
        {i.in_reply_to_id for i in items if i.in_reply_to_id},
        {i.conversation_id for i in items if i.conversation_id},
        {i.author_handle.lower() for i in items},
    )
    tiers = uow.customers.tiers_of({registry_key(i.source, i.author_handle) for i in items})
    openings: list[tuple[IncomingComplaint, str, str | None]] = []  # each new case's post, tier and noise mark
    posts: list[tuple[IncomingComplaint, MessageKind, int | None, str | None]] = []  # each post's case and note

    for item in items:
        link = find_case(
            item,
            by_tweet=index.by_tweet,
            by_conversation=index.by_conversation,
            by_author=index.by_author,
            window=triage.same_author_window,
        )
        if item.visibility in PRIVATE_VISIBILITIES and not item.from_brand:  # a stop, or a rating after the close
            link = answered_privately(uow, now, item, link)
        verdict = None if item.from_brand else judge(item, triage.noise, replies_to_a_case=link is not None)
        if item.from_brand and link is None:
            verdict = Verdict(OWN_POST, NoiseAction.FILTER)
        elif item.visibility == PRIVATE_CHANNEL and link is None:
            verdict = Verdict(NO_CASE_PRIVATELY, NoiseAction.FILTER)
        if verdict is not None and verdict.action is NoiseAction.FILTER:
            posts.append((item, MessageKind.FILTERED, None, verdict.rule))
            result.filtered[verdict.rule] = result.filtered.get(verdict.rule, 0) + 1
        elif link is not None:
            posts.append(
                (item, MessageKind.BRAND if item.from_brand else MessageKind.FOLLOWUP, link.case_id, link.reason)
            )
            index.by_tweet[item.external_id] = link.case_id
            if item.from_brand:
                result.brand_replies += 1
            else:
                result.threaded += 1
        else:
            marked = verdict.rule if verdict is not None else None
            result.marked += marked is not None
            openings.append((item, tiers.get(registry_key(item.source, item.author_handle), "standard"), marked))
            provisional = -len(openings)
            posts.append((item, MessageKind.OPENING, provisional, None))
            index.by_tweet[item.external_id] = provisional
            if item.conversation_id:
                index.by_conversation.setdefault(item.conversation_id, provisional)
            index.by_author[item.author_handle.lower()] = OpenCase(provisional, item.created_at)

    cases = _triage_all(openings, now, triage)
    ids = uow.complaints.add_many(cases) if cases else []
    result.opened.extend(ids)
    messages = [
        Message(item, kind, now, ids[-case_id - 1] if case_id is not None and case_id < 0 else case_id, note)
        for item, kind, case_id, note in posts
    ]
    storming = _storming(uow, now, triage, cases)  # a queue in storm mode holds its new cards
    cards = [
        (CardPost.for_tier(case.tier, case.channels), case, case_id) for case, case_id in zip(cases, ids, strict=True)
    ]
    outbox = [  # a card of a tier above standard is never held: it goes first
        NewOutboxMessage(
            card, CardPost.key(case_id), case_id, case.queue_rank, held=case.queue in storming and not card.reserved
        )
        for card, case, case_id in cards
    ]
    followups = [m for m in messages if m.kind is MessageKind.FOLLOWUP and m.complaint_id is not None]
    counts = uow.complaints.count_followups(dict(Counter(m.complaint_id for m in followups if m.complaint_id)))
    # a follow-up's line in the thread shares the channel's posting budget with new cards: it goes by its case's rank
    outbox += [
        NewOutboxMessage(
            CardFollowUp(source=source, external_id=m.incoming.external_id),
            CardFollowUp.key(source, m.incoming.external_id),
            m.complaint_id,
            counts[m.complaint_id].rank + FOLLOWUP_LINE_POINTS,
        )
        for m in followups
        if m.complaint_id is not None
    ]
    # the card's follow-up count: only cards that are out need updating (one on its way shows the count it finds)
    outbox += [
        NewOutboxMessage(CardUpdate(), CardUpdate.followups_key(case_id, counted.count), case_id, URGENT_RANK)
        for case_id, counted in counts.items()
        if counted.carded
    ]
    uow.messages.add_many(messages)
    outbox += additions(uow, followups)  # private answers on a case whose ticket is out join it (rows locked above)
    # the cards of the cases followed up were read with their counts; new cases have none yet
    send(uow, outbox, {case_id: counted.cards for case_id, counted in counts.items()})
    result.rows_written += len(cases) + len(messages) + len(outbox)


def _storming(uow: UnitOfWork, now: datetime, triage: Triage, cases: list[NewCase]) -> set[str]:
    """The queues in storm mode; a surge of similar complaints among `cases` starts one on its queue at once."""
    if not cases:
        return set()
    surges = surging(uow, now, triage.surges, cases) if triage.fingerprints is not None else {}
    storming = set(uow.team.storms())  # read after counting: another worker's storm started meanwhile is seen
    for queue, surge in surges.items():
        if queue not in storming:
            start_for_surge(uow, now, queue, surge)
            storming.add(queue)
    return storming


def _written_order(item: IncomingComplaint) -> tuple[datetime, int, str]:
    """Time, then id: X's ids grow with time, and break ties between posts of the same second."""
    return item.created_at, len(item.external_id), item.external_id


def _triage_all(
    openings: list[tuple[IncomingComplaint, str, str | None]], now: datetime, triage: Triage
) -> list[NewCase]:
    """The new cases, triaged; their near-duplicate keys computed for the whole batch at once."""
    keys = triage.fingerprints.keys_many([item.text for item, _, _ in openings]) if triage.fingerprints else None
    return [
        _triage(item, now, triage, tier, marked, fingerprint_of(keys[n]) if keys is not None else None)
        for n, (item, tier, marked) in enumerate(openings)
    ]


def _triage(
    item: IncomingComplaint, now: datetime, triage: Triage, tier: str, marked: str | None, fingerprint: str | None
) -> NewCase:
    topic, topic_by = decide(triage.topics, triage.learned, item.text, triage.topic_confidence)
    priority = assess(triage.priority, tier=tier, text=item.text, noise_rule=marked, followers=item.author_followers)
    queue = triage.queues.queue_for(text=item.text, tier=tier, topic=topic.name, source=item.source)
    return NewCase(
        incoming=item,
        received_at=now,
        tier=tier,
        topic=topic.name,
        topic_by=topic_by,
        skill_group=topic.skill_group,
        priority=priority.score,
        priority_reasons=priority.reasons,
        queue_rank=queue_rank(triage.priority, priority.score, posted_time(item.created_at, now)),  # who came first
        noise_rule=marked,
        queue=queue.name,
        channels=queue.channels,
        fingerprint=fingerprint,
    )
