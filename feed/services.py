"""Operations that change the feed: publishing, likes, comments, views, moderation states.

Counters (likes, comments, remixes, views) are only ever changed by SQL `F()` updates in the
same transaction as the row that justifies them, so they stay exact under concurrency; the
hot score is refreshed in that same UPDATE (feed/ranking.py).
"""

import functools
import math
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from accounts.exceptions import AccountSuspended
from accounts.models import Notification, User
from config.db import hot_query_cursor
from feed import ranking
from feed.exceptions import AlreadyPublished, DraftWithdrawn, VideoNotLive
from feed.models import Comment, Like, NotInterested, Video, View
from feed.selectors import access_video, visible_videos
from generation.models import GenerationJob, JobCameo

MAX_COMMENT_CHARS = 500
# Job error codes with which generation records a draft withdrawn by a cameo's owner.
WITHDRAWN_BY_CAMEO_OWNER = ("cameo_consent_revoked", "cameo_use_removed")
MAX_WATCHED_MS = 3_600_000


def _notify(recipient, kind, *, actor=None, data=None) -> None:
    # Imported here: accounts owns notifications and their block rules.
    from accounts.services.notifications import notify

    notify(recipient, kind, actor=actor, data=data)


def _live_video(user, video_id, *, for_update: bool = False) -> Video:
    """A video the user may see *and* interact with (published); 404 / 409 otherwise."""
    video = access_video(user, video_id, for_update=for_update, with_author=True)
    if video.status != Video.Status.PUBLISHED:
        raise VideoNotLive()
    return video


# --- publishing --------------------------------------------------------------------------


def _policy_holds(job: GenerationJob) -> bool:
    policy = job.policy or {}
    return any(
        isinstance(policy.get(stage), dict) and policy[stage].get("decision") == "hold"
        for stage in ("prompt", "output")
    )


def publish_video(user, job, *, caption: str = "", visibility: str = Video.Visibility.PUBLIC):
    """Turn the user's succeeded, unpublished job into a Video.

    Consent is checked again here (DESIGN.md: at creation *and* at publish): each cameo on the
    job is re-read under a row lock so a revocation racing with this publish is serialised.
    """
    if user.is_suspended:
        raise AccountSuspended()
    if visibility not in Video.Visibility.values:
        raise ValidationError({"visibility": [f"Must be one of {', '.join(Video.Visibility)}."]})
    caption = _clean_text(caption or "", field="caption", allow_empty=True)
    with transaction.atomic():
        job = (
            GenerationJob.objects.select_for_update()
            .filter(pk=getattr(job, "pk", job), user=user)
            .first()
        )
        if job is None:
            raise NotFound({"generation": ["No such generation."]})
        if job.error_code in WITHDRAWN_BY_CAMEO_OWNER:
            raise DraftWithdrawn()
        if job.status != GenerationJob.Status.SUCCEEDED:
            raise ValidationError({"generation": ["Only a succeeded generation can be published."]})
        if Video.objects.filter(job=job).exists():
            raise AlreadyPublished()
        cameos = [
            jc.cameo for jc in JobCameo.objects.filter(job=job).select_related("cameo__owner")
        ]
        if cameos:
            from accounts.services.cameos import check_cameo_use

            cameos = [
                check_cameo_use(user, cameo, context="publish", lock=True) for cameo in cameos
            ]
        source = None
        if job.remix_of:
            source = (
                Video.objects.select_for_update()
                .filter(pk=job.remix_of)
                .exclude(status=Video.Status.DELETED)
                .first()
            )
        probe = job.probe or {}
        now = timezone.now()
        try:
            with transaction.atomic():
                video = Video.objects.create(
                    job=job,
                    author=user,
                    caption=caption,
                    visibility=visibility,
                    status=Video.Status.HELD if _policy_holds(job) else Video.Status.PUBLISHED,
                    remix_of=source,
                    duration=float(probe.get("duration") or job.seconds or 0),
                    width=int(probe.get("width") or job.width),
                    height=int(probe.get("height") or job.height),
                    published_at=now,
                    created_at=now,
                    hot_base=ranking.recency(now),
                    hot_score=ranking.hot_score(likes=0, comments=0, remixes=0, published_at=now),
                    score_updated_at=now,
                )
        except IntegrityError:
            raise AlreadyPublished() from None
        if source is not None:
            Video.objects.filter(pk=source.pk).update(
                **ranking.counter_update(remixes=1), score_updated_at=now
            )
            _notify(
                source.author,
                Notification.Kind.REMIX,
                actor=user,
                data={"video": str(video.id), "remix_of": str(source.id)},
            )
        for cameo in cameos:
            _notify(
                cameo.owner,
                Notification.Kind.CAMEO_USE,
                actor=user,
                data={"video": str(video.id), "cameo": str(cameo.id), "event": "published"},
            )
    return video


def update_video(user, video_id, *, caption=None, visibility=None) -> Video:
    """Author-only edit of caption and visibility (others get 404: they cannot tell it exists)."""
    with transaction.atomic():
        video = access_video(user, video_id, for_update=True)
        if video.author_id != user.id:
            raise NotFound("No such video.")
        fields = []
        if caption is not None:
            video.caption = _clean_text(caption, field="caption", allow_empty=True)
            fields.append("caption")
        if visibility is not None:
            if visibility not in Video.Visibility.values:
                raise ValidationError(
                    {"visibility": [f"Must be one of {', '.join(Video.Visibility)}."]}
                )
            video.visibility = visibility
            fields.append("visibility")
        if fields:
            video.save(update_fields=fields)
    return video


def delete_video(user, video_id) -> None:
    """The author deletes their video: it leaves every list at once (status deleted)."""
    with transaction.atomic():
        video = access_video(user, video_id, for_update=True)
        if video.author_id != user.id:
            raise NotFound("No such video.")
        video.status = Video.Status.DELETED
        video.status_reason = "deleted by author"
        video.save(update_fields=["status", "status_reason"])


# --- moderation and consent --------------------------------------------------------------


def hide_video(video, *, status: str, reason: str, actor=None) -> Video:
    """Moderation takes a video out of every feed (status removed or held)."""
    if status not in (Video.Status.REMOVED, Video.Status.HELD, Video.Status.TAKEN_DOWN):
        raise ValueError(f"hide_video cannot set status {status!r}")
    Video.objects.filter(pk=video.pk).exclude(status=Video.Status.DELETED).update(
        status=status, status_reason=reason[:255]
    )
    video.refresh_from_db(fields=["status", "status_reason"])
    return video


def restore_video(video, *, actor=None) -> Video:
    """Moderation puts a hidden video back (an author's deletion is never undone here)."""
    Video.objects.filter(pk=video.pk).exclude(status=Video.Status.DELETED).update(
        status=Video.Status.PUBLISHED, status_reason=""
    )
    video.refresh_from_db(fields=["status", "status_reason"])
    return video


def take_down_video(video, *, reason: str, actor=None) -> Video:
    """A cameo owner (or revoked consent) takes a video down."""
    return hide_video(video, status=Video.Status.TAKEN_DOWN, reason=reason, actor=actor)


def take_down_videos_for_cameo(cameo, *, reason: str) -> int:
    """Take down every published or held video whose job used `cameo`; returns how many.

    Runs inside the revoking transaction (receiver of cameo_consent_revoked), so the takedown
    commits or rolls back with the revocation. Unpublished jobs are generation's to cancel.
    """
    return (
        Video.objects.filter(job__job_cameos__cameo=cameo)
        .exclude(status__in=(Video.Status.DELETED, Video.Status.TAKEN_DOWN))
        .update(status=Video.Status.TAKEN_DOWN, status_reason=reason[:255])
    )


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


def _like_video_pg(user, video_id) -> bool:
    """PostgreSQL: visibility check, like insert, counter + hot score and the author's
    notification in one statement (atomic on its own: no transaction block, one commit).

    A data-modifying CTE: the insert only happens for a published video the caller may see,
    the counter moves and the notification is written only if the insert did (ON CONFLICT DO
    NOTHING returns no row). Concurrent likes of one video serialise on the video row in the
    UPDATE, which re-reads the latest counters (READ COMMITTED), so the count stays exact.
    """
    from accounts.services.notifications import notify_sql  # accounts owns notifications

    video_id, visible_sql, params = _visible_row_sql(user, video_id)
    note_sql, note_params = notify_sql(
        Notification.Kind.LIKE,
        source="upd",
        recipient_column="author_id",
        actor=user,
        data={"video": str(video_id)},
    )
    sql = (
        f"WITH vis AS ({visible_sql}), "  # noqa: S608 - compiled by the ORM, values are params
        f"ins AS (INSERT INTO {Like._meta.db_table} (user_id, video_id, created_at)"
        " SELECT %s, id, %s FROM vis WHERE status = %s"
        " ON CONFLICT (user_id, video_id) DO NOTHING RETURNING video_id), "
        f"upd AS (UPDATE {Video._meta.db_table} SET {ranking.like_update_sql(1)}"
        f" FROM ins WHERE {Video._meta.db_table}.id = ins.video_id"
        f" RETURNING {Video._meta.db_table}.id, {Video._meta.db_table}.author_id), "
        f"note AS ({note_sql}) "
        "SELECT vis.status, EXISTS (SELECT 1 FROM upd) FROM vis"
    )
    params += [user.id, timezone.now(), Video.Status.PUBLISHED, *note_params]
    with hot_query_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such video.")
    status, inserted = row
    if status != Video.Status.PUBLISHED:
        raise VideoNotLive()
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
    parent are serialised per video.
    """
    body = _clean_text(body, field="body")
    with transaction.atomic():
        video = _live_video(user, video_id, for_update=True)
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
        if parent is not None and parent.author_id != video.author_id:
            _notify(parent.author, Notification.Kind.COMMENT, actor=user, data=data)
    return comment


def delete_comment(user, comment_id) -> None:
    """Its author or the video's author deletes a comment (and its replies).

    comment_count counts comments that are not removed by moderation, so only those leave it.
    """
    from feed.selectors import access_comment

    comment = access_comment(user, comment_id)
    if user.id not in (comment.author_id, comment.video.author_id):
        raise NotFound("No such comment.")
    with transaction.atomic():
        _lock_video(comment.video_id)
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
        _lock_video(comment.video_id)
        changed = Comment.objects.filter(pk=comment.pk, is_removed=False).update(is_removed=True)
        if changed:
            Video.objects.filter(pk=comment.video_id).update(**ranking.counter_update(comments=-1))
    comment.is_removed = True
    return bool(changed)


def restore_comment(comment, *, actor=None) -> bool:
    """Moderation puts a hidden comment back; True if it changed."""
    with transaction.atomic():
        _lock_video(comment.video_id)
        changed = Comment.objects.filter(pk=comment.pk, is_removed=True).update(is_removed=False)
        if changed:
            Video.objects.filter(pk=comment.video_id).update(**ranking.counter_update(comments=1))
    comment.is_removed = False
    return bool(changed)


def _lock_video(video_id) -> None:
    """Serialise comment changes per video (add_comment takes the same lock)."""
    list(Video.objects.select_for_update().filter(pk=video_id).values_list("pk", flat=True))


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
