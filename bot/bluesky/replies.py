"""Public replies on Bluesky as the brand account: threaded (reply refs to the thread's root and the post's parent),
and never posted twice.

Each reply has a record key of its own, made from the case and the moment the reply was
decided (a TID, the key Bluesky gives posts). A retry asks our repository for that key
first, and a second create with it is refused by the server, so a reply whose first try
timed out is found, not posted again: by what Bluesky keeps, not by the text.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from atproto_client import models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.utils import facet_detection

from bot.bluesky.client import BlueskySession, session_ended, wait_seconds
from bot.bluesky.normalize import post_url
from bot.pacing import LANES, Pacer, RateLimited, Refused, Unavailable, local_pacer
from handlers.domain.complaint import Complaint
from handlers.ports.coordination import RateLimiter
from handlers.ports.gateways import PACING, DeliveryFailed, PostedReply

POST = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

log = logging.getLogger(__name__)


def reply_key(complaint_id: int, decided: datetime) -> str:
    """The reply's record key: a TID from when the reply was decided, its clock id from the case."""
    micros = int(decided.timestamp() * 1_000_000)
    value = (micros << 10) | (complaint_id % 1024)
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


class BlueskyReplies:
    """Replies as the brand account; Bluesky's answers mapped to retry-or-not decisions the outbox understands."""

    def __init__(self, session: BlueskySession, limiter: RateLimiter | None = None) -> None:
        self._session = session
        self._pacer = Pacer(limiter) if limiter is not None else local_pacer()

    def reply(self, to: Complaint, text: str, since: datetime) -> PostedReply:
        """Create the reply record under its own key, threaded under the complaint's post."""
        rkey = reply_key(to.id, since)
        parent, root = self._refs(to)
        record = models.AppBskyFeedPost.Record(
            text=text,
            created_at=datetime.now().astimezone().isoformat(),
            reply=models.AppBskyFeedPost.ReplyRef(parent=parent, root=root),
            facets=_facets(text, to) or None,
            langs=["en"],
        )
        data = {"repo": self._session.did, "collection": POST, "rkey": rkey, "record": record}
        try:
            created = self._guarded("reply", lambda client: client.com.atproto.repo.create_record(data), creates=True)
        except DeliveryFailed as exc:
            if not exc.permanent:
                raise
            found = self._record(rkey)  # refused: is it because this key is taken by our earlier try?
            if found is None:
                raise
            return found
        return PostedReply(post_id=str(created.uri), url=post_url(str(created.uri)))

    def find_reply(self, to: Complaint, since: datetime) -> PostedReply | None:
        """Our reply to this complaint decided at `since`, if an earlier try created it: its record, by its key."""
        return self._record(reply_key(to.id, since))

    def post(self, text: str) -> PostedReply | None:
        """A post of our own, to everyone."""
        record = models.AppBskyFeedPost.Record(text=text, created_at=datetime.now().astimezone().isoformat())
        data = {"repo": self._session.did, "collection": POST, "record": record}
        created = self._guarded("post", lambda client: client.com.atproto.repo.create_record(data), creates=True)
        return PostedReply(post_id=str(created.uri), url=post_url(str(created.uri)))

    def _refs(self, to: Complaint) -> tuple[Any, Any]:
        """The parent (the complaint's post) and the thread's root, each as URI and CID: read from the thread when
        a CID is not known."""
        parent_cid, root_uri, root_cid = to.post_cid, to.conversation_id or to.external_id, None
        if root_uri == to.external_id:
            root_cid = parent_cid
        if parent_cid is None or root_cid is None:
            params = {"uri": to.external_id, "depth": 0, "parentHeight": 0}
            thread = self._guarded("reply", lambda client: client.app.bsky.feed.get_post_thread(params)).thread
            post = getattr(thread, "post", None)
            if post is None:
                raise DeliveryFailed("Bluesky says the post is gone or hidden from us", permanent=True)
            parent_cid = str(post.cid)
            reply = getattr(post.record, "reply", None)
            root_uri, root_cid = (str(reply.root.uri), str(reply.root.cid)) if reply else (to.external_id, parent_cid)
        strong = models.ComAtprotoRepoStrongRef.Main
        return strong(uri=to.external_id, cid=parent_cid), strong(uri=root_uri, cid=root_cid)

    def _record(self, rkey: str) -> PostedReply | None:
        params = {"repo": self._session.did, "collection": POST, "rkey": rkey}
        try:
            found = self._guarded("lookup", lambda client: client.com.atproto.repo.get_record(params))
        except DeliveryFailed as exc:
            if exc.permanent:  # RecordNotFound: no earlier try went out
                return None
            raise
        return PostedReply(post_id=str(found.uri), url=post_url(str(found.uri)))

    def _guarded(self, what: str, call: Any, *, creates: bool = False) -> Any:
        """One call to the PDS through the session (renewed and made once more where the PDS ended it), inside
        Bluesky's request budget and, for a create, its write points; its answers mapped: 429 waits, 5xx and timeouts
        are an outage (the try may have landed, so the next one looks first), an ended session is tried again later,
        a refusal is permanent."""
        for lane in (LANES["bluesky.requests"], *([LANES["bluesky.create"]] if creates else [])):
            if (wait := self._pacer.slot(lane)) > 0:
                raise DeliveryFailed(f"{PACING} {lane.key_for()}", retry_after=wait, throttled=True)
        try:
            return self._session.call(call)
        except RateLimitExceededError as exc:
            retry = wait_seconds(exc)
            self._pacer.pause(LANES["bluesky.create" if creates else "bluesky.requests"], "", retry)
            raise DeliveryFailed("Bluesky is rate limiting us", retry_after=retry, throttled=True) from None
        except RateLimited as exc:
            raise DeliveryFailed(str(exc), retry_after=exc.seconds, throttled=True) from None
        except Refused as exc:
            raise DeliveryFailed(str(exc), permanent=True) from None
        except Unavailable as exc:
            raise DeliveryFailed(f"Bluesky: {exc}") from None
        except (BadRequestError, UnauthorizedError) as exc:
            if session_ended(exc):  # renewed and ended again at once: the PDS's passing state, tried again later
                raise DeliveryFailed(f"Bluesky ended our session ({_reason(exc)}); trying again") from None
            if isinstance(exc, UnauthorizedError):
                raise DeliveryFailed("Bluesky refused our credentials (BLUESKY_APP_PASSWORD)", permanent=True) from None
            raise DeliveryFailed(f"Bluesky refused the {what}: {_reason(exc)}", permanent=True) from None
        except (InvokeTimeoutError, NetworkError) as exc:
            raise DeliveryFailed(f"Bluesky did not answer ({exc.__class__.__name__})", outage=True) from None
        except RequestException as exc:
            status = getattr(exc.response, "status_code", "?")
            raise DeliveryFailed(f"Bluesky is failing ({status})", outage=True) from None
        except AtProtocolError as exc:
            raise DeliveryFailed(f"Bluesky: {exc.__class__.__name__}", outage=True) from None


def _facets(text: str, to: Complaint) -> list[Any]:
    """Links and tags in our reply, and the customer's handle as a mention of them (their DID is known)."""
    facets = facet_detection.detect_facets(text)
    for mention in facet_detection.detect_mentions(text):
        if mention.handle.lower() == to.author_handle.lower() and to.author_id.startswith("did:"):
            facets.append(
                models.AppBskyRichtextFacet.Main(
                    features=[models.AppBskyRichtextFacet.Mention(did=to.author_id)],
                    index=models.AppBskyRichtextFacet.ByteSlice(
                        byte_start=mention.byte_start, byte_end=mention.byte_end
                    ),
                )
            )
    return sorted(facets, key=lambda facet: facet.index.byte_start)


def _reason(exc: AtProtocolError) -> str:
    content = getattr(getattr(exc, "response", None), "content", None)
    message = getattr(content, "message", None) or getattr(content, "error", None)
    return str(message) if message else exc.__class__.__name__
