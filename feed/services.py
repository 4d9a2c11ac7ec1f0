"""Operations that change the feed: publishing, likes, comments, views, moderation states.

Counters (likes, comments, remixes, views) are only ever changed by SQL `F()` updates in the
same transaction as the row that justifies them, so they stay exact under concurrency; the
hot score is refreshed in that same UPDATE (feed/ranking.py).
"""

import functools
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from accounts.exceptions import AccountSuspended
from accounts.models import Cameo, Notification, User
from accounts.services.cameo_use import check_cameo_use, recording_refusals
from accounts.services.exports import withdraw_exports_of
from accounts.services.notifications import announce_notifications, notify, notify_sql
from config.db import hot_query_cursor
from events.event_types import EventType
from events.services import record_event
from events.services.outbox import enqueue_dispatch, record_event_sql
from feed import ranking
from feed.exceptions import AlreadyPublished, DraftWithdrawn, VideoNotLive
from feed.lock_objects import lock_video
from feed.models import Comment, Like, NotInterested, Video, View
from feed.selectors import access_comment, access_video, visible_videos
from feed.signals import announce_caption_changed, announce_status_changed, announce_video_held
from generation.models import GenerationJob, JobCameo
from generation.policy import BLOCK, HOLD, run_prompt_checks
from generation.services.publishing import (
    discard_job_files,
    job_needs_review,
    job_withdrawn_by_cameo_owner,
    lock_publishable_job,
)

MAX_COMMENT_CHARS = 500
MAX_WATCHED_MS = 3_600_000


def _notify(recipient, kind, *, actor=None, data=None) -> None:
    # Imported here: accounts owns notifications and their block rules.

    notify(recipient, kind, actor=actor, data=data)


def _live_video(user, video_id, *, for_update: bool = False) -> Video:
    """A video the user may see *and* interact with (published); 404 / 409 otherwise."""
    video = access_video(user, video_id, for_update=for_update, with_author=True)
    if video.status != Video.Status.PUBLISHED:
        raise VideoNotLive()
    return video


# --- consent and the content gate --------------------------------------------------------

_AUDIENCE_RANK: dict[str, int] = {
    Video.Visibility.PRIVATE: 0,
    Video.Visibility.FOLLOWERS: 1,
    Video.Visibility.PUBLIC: 2,
}


def check_video_consent(video: Video, *, context: str) -> list[Cameo]:
    """THE consent check of every transition that widens who sees a likeness: publish, a
    wider visibility, a moderator's restore (un-hold, approve, appeal upheld). Returns the
    video's cameos as checked.

    Each cameo of the video's job is re-read under a row lock and checked for the video's
    author (`check_cameo_use(lock=True)`), so a revocation racing with the widening is
    serialised. `video` may be unsaved (publishing): only its `job_id` and `author` are read.
    Call inside the caller's transaction; a refusal raises CameoUseRefused (403 naming the
    cameo) and the caller's change rolls back.
    """
    return [
        check_cameo_use(video.author, cameo, context=context, lock=True)
        for cameo in _video_cameos(video)
    ]


def check_text_policy(user, text: str, *, field: str, cameos) -> bool:
    """Captions and comment bodies pass the same content gate as prompts
    (generation.policy.run_prompt_checks, with the cameos the video shows).

    BLOCK is a 400 naming `field` (code `content_blocked`); returns True when the policy
    says HOLD (the caller decides what holding means for its object).
    """
    if not text:
        return False
    verdict = run_prompt_checks(user=user, prompt=text, cameos=list(cameos))
    if verdict.decision == BLOCK:
        message = verdict.reason or "This text is not allowed."
        raise ValidationError({field: [message], "code": "content_blocked"})
    return verdict.decision == HOLD


def _video_cameos(video: Video) -> list[Cameo]:
    uses = JobCameo.objects.filter(job_id=video.job_id).select_related("cameo__owner")
    return [use.cameo for use in uses.order_by("pk")]


def _check_visibility(visibility: str) -> str:
    if visibility not in Video.Visibility.values:
        raise ValidationError({"visibility": [f"Must be one of {', '.join(Video.Visibility)}."]})
    return visibility


# --- publishing --------------------------------------------------------------------------


@dataclass
class PreparedPublish:
    """What check_publish_video resolved under locks and do_publish_video writes."""

    video: Video  # unsaved
    cameos: list[Cameo]


def publish_video(user, job, *, caption: str = "", visibility: str = Video.Visibility.PUBLIC):
    """Turn the user's succeeded, unpublished job (a job or its id) into a Video.

    Consent is checked again here (DESIGN.md: at creation *and* at publish). A caption the
    content gate holds, like a job its policy held, publishes the video as `held`: only its
    author and moderators see it until a moderator restores it (which re-checks consent).
    """
    if user.is_suspended:
        raise AccountSuspended()
    with recording_refusals(), transaction.atomic():
        prepared = check_publish_video(
            user, getattr(job, "pk", job), caption=caption, visibility=visibility
        )
        return do_publish_video(prepared)


def check_publish_video(user, job_id, *, caption: str, visibility: str) -> PreparedPublish:
    """Validate and resolve a publish: lock the job (generation's service), re-check consent
    for each cameo, pass the caption through the content gate, lock the remix source.
    Call inside the publishing transaction."""
    _check_visibility(visibility)
    caption = _clean_text(caption or "", field="caption", allow_empty=True)
    job = lock_publishable_job(user, job_id)
    if job_withdrawn_by_cameo_owner(job):
        raise DraftWithdrawn()
    if job.status != GenerationJob.Status.SUCCEEDED:
        raise ValidationError({"generation": ["Only a succeeded generation can be published."]})
    if Video.objects.filter(job=job).exists():
        raise AlreadyPublished()
    video = _new_video(user, job, caption=caption, visibility=visibility)
    cameos = check_video_consent(video, context="publish")
    held = check_text_policy(user, caption, field="caption", cameos=cameos)
    if held or job_needs_review(job):
        video.status = Video.Status.HELD
    if job.remix_of:
        video.remix_of = (
            Video.objects.select_for_update()
            .filter(pk=job.remix_of)
            .exclude(status=Video.Status.DELETED)
            .first()
        )
    return PreparedPublish(video=video, cameos=cameos)


def _new_video(user, job: GenerationJob, *, caption: str, visibility: str) -> Video:
    probe = job.probe or {}
    now = timezone.now()
    return Video(
        job=job,
        author=user,
        caption=caption,
        visibility=visibility,
        status=Video.Status.PUBLISHED,
        duration=float(probe.get("duration") or job.seconds or 0),
        width=int(probe.get("width") or job.width),
        height=int(probe.get("height") or job.height),
        published_at=now,
        created_at=now,
        hot_base=ranking.recency(now),
        hot_score=ranking.hot_score(likes=0, comments=0, remixes=0, published_at=now),
        score_updated_at=now,
    )


def do_publish_video(prepared: PreparedPublish) -> Video:
    """Write the checked video, count the remix and tell the people concerned."""
    video, author = prepared.video, prepared.video.author
    try:
        with transaction.atomic():
            video.save(force_insert=True)
    except IntegrityError:
        raise AlreadyPublished() from None
    if video.status == Video.Status.HELD:
        announce_video_held(video.pk)
    else:
        data = {"video": str(video.id), "job": str(video.job_id)}
        record_event(EventType.VIDEO_PUBLISHED, user=author, actor=author, data=data)
    announce_caption_changed(video)
    source = video.remix_of
    if source is not None:
        Video.objects.filter(pk=source.pk).update(
            **ranking.counter_update(remixes=1), score_updated_at=video.published_at
        )
        data = {"video": str(video.id), "remix_of": str(source.id)}
        _notify(source.author, Notification.Kind.REMIX, actor=author, data=data)
    for cameo in prepared.cameos:
        data = {"video": str(video.id), "cameo": str(cameo.id), "event": "published"}
        _notify(cameo.owner, Notification.Kind.CAMEO_USE, actor=author, data=data)
        data = {"cameo": str(cameo.id), "video": str(video.id), "stage": "published"}
        record_event(EventType.CAMEO_USED, user=cameo.owner_id, actor=author, data=data)
    return video


def update_video(user, video_id, *, caption=None, visibility=None) -> Video:
    """Author-only edit of caption and visibility (others get 404: they cannot tell it exists).

    A wider audience (private → followers → public) re-checks consent; a caption the content
    gate holds puts a published video on hold for review.
    """
    with recording_refusals(), transaction.atomic():
        video = access_video(user, video_id, for_update=True, with_author=True)
        if video.author_id != user.id:
            raise NotFound("No such video.")
        fields = []
        if visibility is not None:
            _check_visibility(visibility)
            if _AUDIENCE_RANK[visibility] > _AUDIENCE_RANK[video.visibility]:
                check_video_consent(video, context="visibility")
            video.visibility = visibility
            fields.append("visibility")
        if caption is not None:
            video.caption = _clean_text(caption, field="caption", allow_empty=True)
            fields.append("caption")
            cameos = _video_cameos(video)
            if check_text_policy(user, video.caption, field="caption", cameos=cameos):
                _hold_for_review(video, fields)
        if fields:
            video.save(update_fields=fields)
            if video.status == Video.Status.HELD:
                announce_video_held(video.pk)
            if "caption" in fields:
                announce_caption_changed(video)
            if "status" in fields:
                announce_status_changed([video.pk])
    return video


def _hold_for_review(video: Video, fields: list) -> None:
    if video.status == Video.Status.PUBLISHED:
        video.status = Video.Status.HELD
        video.status_reason = "caption held for review"
        fields += ["status", "status_reason"]


def delete_video(user, video_id) -> None:
    """The author deletes their video: it leaves every list at once (status deleted) and its
    files are deleted once that commits."""
    with transaction.atomic():
        video = access_video(user, video_id, for_update=True)
        if video.author_id != user.id:
            raise NotFound("No such video.")
        video.status = Video.Status.DELETED
        video.status_reason = "deleted by author"
        video.save(update_fields=["status", "status_reason"])
        announce_status_changed([video.pk])
        discard_job_files([video.job_id])


# --- moderation and consent --------------------------------------------------------------


def hide_video(video, *, status: str, reason: str) -> Video:
    """Moderation takes a video out of every feed (status removed or held), files kept (a
    restore must be able to put it back) but no longer served (config/storage.py)."""
    if status not in (Video.Status.REMOVED, Video.Status.HELD, Video.Status.TAKEN_DOWN):
        raise ValueError(f"hide_video cannot set status {status!r}")
    with transaction.atomic():
        changed = (
            Video.objects.filter(pk=video.pk)
            .exclude(status=Video.Status.DELETED)
            .update(status=status, status_reason=reason[:255])
        )
        announce_status_changed([video.pk])
        if changed and status != Video.Status.HELD:
            withdraw_exports_of([video.author_id])
    video.refresh_from_db(fields=["status", "status_reason"])
    return video


def restore_video(video) -> Video:
    """Moderation puts a hidden video back (an author's deletion is never undone here).

    A restore widens the audience again, so consent is re-checked first: a refusal raises
    CameoUseRefused (naming the cameo) and the video stays hidden (the refusal stays on the
    owner's ledger).
    """
    with recording_refusals(), transaction.atomic():
        locked = (
            Video.objects.select_for_update(of=("self",)).select_related("author").get(pk=video.pk)
        )
        if locked.status != Video.Status.DELETED:
            check_video_consent(locked, context="restore")
            Video.objects.filter(pk=video.pk).update(
                status=Video.Status.PUBLISHED, status_reason=""
            )
            announce_status_changed([video.pk])
    video.refresh_from_db(fields=["status", "status_reason"])
    return video


def take_down_video(video, *, reason: str) -> Video:
    """A cameo owner (or revoked consent) takes a video down for good: its files are deleted."""
    hide_video(video, status=Video.Status.TAKEN_DOWN, reason=reason)
    if video.status == Video.Status.TAKEN_DOWN:
        discard_job_files([video.job_id])
    return video


def take_down_videos_for_cameo(cameo, *, reason: str) -> int:
    """Take down every published or held video whose job used `cameo`, deleting their files;
    returns how many.

    Runs inside the revoking transaction (receiver of cameo_consent_revoked), so the takedown
    commits or rolls back with the revocation (the files go after it commits). Unpublished
    jobs are generation's to cancel.
    """
    gone = (Video.Status.DELETED, Video.Status.TAKEN_DOWN)
    job_ids = list(
        Video.objects.filter(job__job_cameos__cameo=cameo)
        .exclude(status__in=gone)
        .values_list("job_id", flat=True)
    )
    taken = (
        Video.objects.filter(job_id__in=job_ids)
        .exclude(status__in=gone)
        .update(status=Video.Status.TAKEN_DOWN, status_reason=reason[:255])
    )
    announce_status_changed(Video.objects.filter(job_id__in=job_ids).values_list("pk", flat=True))
    withdraw_exports_of(Video.objects.filter(job_id__in=job_ids).values("author_id"))
    discard_job_files(job_ids)
    return taken


# --- likes -------------------------------------------------------------------------------


_SENTINEL_USER = -7_000_000_001
_SENTINEL_VIDEO = uuid.UUID(int=0x5E7715E7)


@functools.cache
def _visible_row_template() -> tuple[str, tuple]:
    """visible_videos() for an authenticated caller, compiled once per process.

    Its SQL depends only on the rules, not on who asks: compiled for sentinel ids that are
    swapped for the real ones per call (query building is most of a like's CPU otherwise).
    """
    qs = (
        visible_videos(User(pk=_SENTINEL_USER))
        .filter(pk=_SENTINEL_VIDEO)
        .values_list("id", "status", "author_id")
    )
    sql, params = qs.query.sql_with_params()
    assert _SENTINEL_USER in params and _SENTINEL_VIDEO in params  # noqa: S101
    return sql, tuple(params)


def _visible_row_sql(user, video_id) -> tuple[uuid.UUID, str, list]:
    """The parsed id, and SQL + params selecting (id, status, author_id) of the video if
    `user` may see it (no row otherwise).

    Compiled from selectors.visible_videos, the one place that encodes visibility, so the
    one-statement like/unlike below apply exactly the rules every other endpoint applies.
    """
    try:
        video_id = Video._meta.pk.to_python(video_id)
    except DjangoValidationError:
        raise NotFound("No such video.") from None
    sql, template = _visible_row_template()
    swap = {_SENTINEL_USER: user.pk, _SENTINEL_VIDEO: video_id}
    params = [swap.get(p, p) if isinstance(p, int | uuid.UUID) else p for p in template]
    return video_id, sql, params


def _like_video_pg(user, video_id, *, with_event: bool = True) -> bool:
    """PostgreSQL: visibility check, like insert, counter + hot score, the author's
    notification and the outbox event in one statement (atomic on its own: no transaction
    block, one commit).

    A data-modifying CTE: the insert only happens for a published video the caller may see,
    the counter moves and the notification and event are written only if the insert did (ON
    CONFLICT DO NOTHING returns no row). Concurrent likes of one video serialise on the video
    row in the UPDATE, which re-reads the latest counters (READ COMMITTED), so the count stays
    exact. The event is written already dispatched unless the author has a webhook for
    `video.liked`, so a like enqueues a Celery message only when someone listens.
    (`with_event=False` is the like as it was before the outbox: bench/events.py only.)
    """

    video_id, visible_sql, params = _visible_row_sql(user, video_id)
    note_sql, note_params = notify_sql(
        Notification.Kind.LIKE,
        source="upd",
        recipient_column="author_id",
        actor=user,
        data={"video": str(video_id)},
    )
    event_sql, event_params = record_event_sql(
        EventType.VIDEO_LIKED,
        source="upd",
        user_column="author_id",
        actor=user,
        data={"video": str(video_id), "actor": user.pk},
    )
    if not with_event:
        event_sql, event_params = "SELECT NULL::uuid AS id, false AS pending", []
    sql = (
        f"WITH vis AS ({visible_sql}), "  # noqa: S608 - compiled by the ORM, values are params
        f"ins AS (INSERT INTO {Like._meta.db_table} (user_id, video_id, created_at)"
        " SELECT %s, id, %s FROM vis WHERE status = %s"
        " ON CONFLICT (user_id, video_id) DO NOTHING RETURNING video_id), "
        f"upd AS (UPDATE {Video._meta.db_table} SET {ranking.like_update_sql(1)}"
        f" FROM ins WHERE {Video._meta.db_table}.id = ins.video_id"
        f" RETURNING {Video._meta.db_table}.id, {Video._meta.db_table}.author_id), "
        f"note AS ({note_sql}), evt AS ({event_sql}) "
        "SELECT vis.status, EXISTS (SELECT 1 FROM upd), ARRAY(SELECT id FROM note),"
        " (SELECT id FROM evt WHERE pending LIMIT 1) FROM vis"
    )
    params += [user.id, timezone.now(), Video.Status.PUBLISHED, *note_params, *event_params]
    with hot_query_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such video.")
    status, inserted, notification_ids, pending_event = row
    if pending_event is not None:
        enqueue_dispatch(pending_event)
    if status != Video.Status.PUBLISHED:
        raise VideoNotLive()
    announce_notifications(notification_ids)
    return inserted


def _unlike_video_pg(user, video_id) -> bool:
    """PostgreSQL: visibility check, delete and counter + hot score in one statement."""
    video_id, visible_sql, params = _visible_row_sql(user, video_id)
    sql = (
        f"WITH vis AS ({visible_sql}), "  # noqa: S608 - compiled by the ORM, values are params
        f"del AS (DELETE FROM {Like._meta.db_table}"
        " WHERE user_id = %s AND video_id IN (SELECT id FROM vis) RETURNING video_id), "
        f"upd AS (UPDATE {Video._meta.db_table} SET {ranking.like_update_sql(-1)}"
        f" FROM del WHERE {Video._meta.db_table}.id = del.video_id"
        f" RETURNING {Video._meta.db_table}.id) "
        "SELECT EXISTS (SELECT 1 FROM upd) FROM vis"
    )
    params.append(user.id)
    with hot_query_cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such video.")
    return row[0]


def like_video(user, video_id) -> bool:
    """Like once; True if this call created the like. The counter moves only on insert."""
    if connection.vendor == "postgresql":
        return _like_video_pg(user, video_id)
    with transaction.atomic():
        video = _live_video(user, video_id)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Like._meta.db_table} (user_id, video_id, created_at) "  # noqa: S608
                "VALUES (%s, %s, %s) ON CONFLICT (user_id, video_id) DO NOTHING RETURNING id",
                [
                    user.id,
                    Video._meta.pk.get_db_prep_value(video.pk, connection),
                    Like._meta.get_field("created_at").get_db_prep_value(
                        timezone.now(), connection
                    ),
                ],
            )
            inserted = cursor.fetchone() is not None
        if inserted:
            Video.objects.filter(pk=video.pk).update(**ranking.counter_update(likes=1))
            _notify(video.author, Notification.Kind.LIKE, actor=user, data={"video": str(video.pk)})
            data = {"video": str(video.pk), "actor": user.pk}
            record_event(EventType.VIDEO_LIKED, user=video.author_id, actor=user, data=data)
    return inserted


def unlike_video(user, video_id) -> bool:
    """Remove the like if there is one; the counter moves only if a row was deleted."""
    if connection.vendor == "postgresql":
        return _unlike_video_pg(user, video_id)
    with transaction.atomic():
        video = access_video(user, video_id)
        deleted, _ = Like.objects.filter(user=user, video=video).delete()
        if deleted:
            Video.objects.filter(pk=video.pk).update(**ranking.counter_update(likes=-1))
    return bool(deleted)


# --- comments ----------------------------------------------------------------------------


def _clean_text(value, *, field: str, allow_empty: bool = False, limit: int = MAX_COMMENT_CHARS):
    if not isinstance(value, str):
        raise ValidationError({field: ["Must be a string."]})
    if "\x00" in value:
        raise ValidationError({field: ["Must not contain NUL characters."]})
    value = value.strip()
    if not value and not allow_empty:
        raise ValidationError({field: ["Must not be empty."]})
    if len(value) > limit:
        raise ValidationError({field: [f"At most {limit} characters."]})
    return value


def add_comment(user, video_id, *, body, parent_id=None) -> Comment:
    """Comment on a video, or reply to a top-level comment of the same video (one level).

    The video row is locked first so that comment_count and a concurrent deletion of the
    parent are serialised per video. The body passes the content gate with the video's
    cameos: BLOCK is a 400 on `body`; HOLD is accepted (a comment is never rendered and has
    no review state; reports bring it to a moderator).
    """
    body = _clean_text(body, field="body")
    with transaction.atomic():
        video = _live_video(user, video_id, for_update=True)
        check_text_policy(user, body, field="body", cameos=_video_cameos(video))
        parent = None
        if parent_id is not None:
            try:
                parent = Comment.objects.get(
                    pk=int(parent_id), video=video, parent__isnull=True, is_removed=False
                )
            except (Comment.DoesNotExist, ValueError, TypeError, OverflowError):
                raise ValidationError(
                    {"parent": ["Must be a top-level comment on the same video."]}
                ) from None
        comment = Comment.objects.create(video=video, author=user, parent=parent, body=body)
        Video.objects.filter(pk=video.pk).update(**ranking.counter_update(comments=1))
        data = {"video": str(video.pk), "comment": comment.pk}
        _notify(video.author, Notification.Kind.COMMENT, actor=user, data=data)
        event = {**data, "actor": user.pk, "parent": parent.pk if parent else None}
        record_event(EventType.COMMENT_CREATED, user=video.author_id, actor=user, data=event)
        if parent is not None and parent.author_id != video.author_id:
            _notify(parent.author, Notification.Kind.COMMENT, actor=user, data=data)
            record_event(EventType.COMMENT_CREATED, user=parent.author_id, actor=user, data=event)
    return comment


def delete_comment(user, comment_id) -> None:
    """Its author or the video's author deletes a comment (and its replies).

    comment_count counts comments that are not removed by moderation, so only those leave it.
    """

    comment = access_comment(user, comment_id)
    if user.id not in (comment.author_id, comment.video.author_id):
        raise NotFound("No such comment.")
    with transaction.atomic():
        lock_video(comment.video_id)
        thread = Comment.objects.filter(Q(pk=comment.pk) | Q(parent_id=comment.pk))
        counted = thread.filter(is_removed=False).count()
        if Comment.objects.filter(pk=comment.pk).delete()[0] == 0:
            return  # someone else deleted it meanwhile
        if counted:
            Video.objects.filter(pk=comment.video_id).update(
                **ranking.counter_update(comments=-counted)
            )


def hide_comment(comment, *, reason: str = "", actor=None) -> bool:
    """Moderation hides a comment (it leaves lists and comment_count); True if it changed."""
    with transaction.atomic():
        lock_video(comment.video_id)
        changed = Comment.objects.filter(pk=comment.pk, is_removed=False).update(is_removed=True)
        if changed:
            Video.objects.filter(pk=comment.video_id).update(**ranking.counter_update(comments=-1))
    comment.is_removed = True
    return bool(changed)


def restore_comment(comment, *, actor=None) -> bool:
    """Moderation puts a hidden comment back; True if it changed."""
    with transaction.atomic():
        lock_video(comment.video_id)
        changed = Comment.objects.filter(pk=comment.pk, is_removed=True).update(is_removed=False)
        if changed:
            Video.objects.filter(pk=comment.video_id).update(**ranking.counter_update(comments=1))
    comment.is_removed = False
    return bool(changed)


# --- views and not-interested ------------------------------------------------------------


def record_view(user, video_id, *, watched_ms) -> None:
    """Count a view: never the author's, once per viewer per FEED_VIEW_WINDOW_SECONDS, and
    `watched_ms` capped by the clip's duration.

    The database decides "once": the insert of the (user, video, window) row is
    ON CONFLICT DO NOTHING, and the counters move only when it inserted a row, so concurrent
    calls cannot count twice.
    """
    if isinstance(watched_ms, bool) or not isinstance(watched_ms, int):
        raise ValidationError({"watched_ms": ["Must be an integer."]})
    if not 0 <= watched_ms <= MAX_WATCHED_MS:
        raise ValidationError({"watched_ms": [f"Must be between 0 and {MAX_WATCHED_MS}."]})
    with transaction.atomic():
        video = _live_video(user, video_id)
        if video.author_id == user.pk:
            return
        if video.duration > 0:  # 0: duration unknown (a video stored before probing)
            watched_ms = min(watched_ms, math.ceil(video.duration * 1000))
        now = timezone.now()
        window_index = int(now.timestamp()) // settings.FEED_VIEW_WINDOW_SECONDS
        if not _insert_view_once(user.pk, video.pk, window_index, watched_ms, now):
            return
        Video.objects.filter(pk=video.pk).update(
            view_count=F("view_count") + 1, watch_ms_total=F("watch_ms_total") + watched_ms
        )


def _insert_view_once(user_id, video_id, window_index, watched_ms, now) -> bool:
    """Insert the view row unless this window already has one; True when it inserted."""
    table = connection.ops.quote_name(View._meta.db_table)
    video_pk = View._meta.get_field("video").get_db_prep_value(video_id, connection)
    created = View._meta.get_field("created_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, video_id, window_index, watched_ms, created_at)"  # noqa: S608
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [user_id, video_pk, window_index, watched_ms, created],
        )
        return cursor.fetchone() is not None


def mark_not_interested(user, video_id) -> None:
    """The video never comes back in this user's for-you feed."""
    video = access_video(user, video_id)
    NotInterested.objects.bulk_create(
        [NotInterested(user=user, video=video)], ignore_conflicts=True
    )


# --- maintenance -------------------------------------------------------------------------


def refresh_hot_scores(video_ids=None) -> int:
    """Recompute hot_base/hot_score from the counters (repair after bulk imports).

    Not on any request path and not scheduled: scores are kept current on write.
    """
    qs = Video.objects.all()
    if video_ids is not None:
        qs = qs.filter(pk__in=list(video_ids))
    changed = 0
    for video in qs.only("id", "published_at").iterator(chunk_size=2000):
        base = ranking.recency(video.published_at)
        Video.objects.filter(pk=video.pk).update(
            hot_base=base, **ranking.counter_update(base=base), score_updated_at=timezone.now()
        )
        changed += 1
    return changed


# --- account erasure ---------------------------------------------------------------------


def erase_user_activity(user) -> None:
    """Account erasure (accounts.signals.user_erased): what feed keeps of `user` goes, with
    every counter it moved kept exact. Runs inside the erasing transaction.

    - their videos: deleted (status `deleted`, caption blanked; the row stays because remixes
      and the job point at it) and their files deleted once the erasure commits;
    - their comments: each thread deleted as `delete_comment` does, comment_count lowered by
      the comments of the thread that it counted, under the video's lock;
    - their likes: deleted one video at a time, like_count lowered only where a row went (a
      concurrent unlike of the same row cannot make it count twice);
    - their views and not-interested marks (viewing history): deleted; view_count keeps the
      views that happened.
    """
    job_ids = list(Video.objects.filter(author=user).values_list("job_id", flat=True))
    Video.objects.filter(author=user).update(
        status=Video.Status.DELETED, status_reason="account erased", caption=""
    )
    announce_status_changed(Video.objects.filter(author=user).values_list("pk", flat=True))
    discard_job_files(job_ids)

    for comment_id, video_id in list(
        Comment.objects.filter(author=user).order_by("pk").values_list("pk", "video_id")
    ):
        lock_video(video_id)
        thread = Comment.objects.filter(Q(pk=comment_id) | Q(parent_id=comment_id))
        counted = thread.filter(is_removed=False).count()
        if Comment.objects.filter(pk=comment_id).delete()[0] and counted:
            Video.objects.filter(pk=video_id).update(**ranking.counter_update(comments=-counted))

    for video_id in list(Like.objects.filter(user=user).values_list("video_id", flat=True)):
        if Like.objects.filter(user=user, video_id=video_id).delete()[0]:
            Video.objects.filter(pk=video_id).update(**ranking.counter_update(likes=-1))

    View.objects.filter(user=user).delete()
    NotInterested.objects.filter(user=user).delete()
