"""Moderators block a clip everywhere: its vPDQ signature (and key frame's PDQ) join the
blocklist, and published copies already out there are held for review.

What happens to copies (decided for issue 20):
- new renders and uploads: every output check matches the signature (moderation.perceptual),
  so a re-encoded, scaled or trimmed copy is blocked (or held, for a `hold` entry);
- already published videos: `hold_published_matches` (a Celery task, after the block commits)
  hashes every published video's stored file and holds each match through feed's own service
  (`hide_video(status=held)`), which puts it in the review queue with its match recorded.
  Nothing is deleted: a moderator restores a false match, or removes it (which strikes).
  The source video itself matches its own signature and is held the same way.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.exceptions import ValidationError

from config.storage import open_file
from config.tasks import enqueue_on_commit
from feed import services as feed_services
from feed.models import Video
from generation.policy import BLOCK, HOLD
from moderation import perceptual
from moderation.models import BlockedClip, BlockedPdqHash, ReviewItem
from moderation.task_names import HOLD_PUBLISHED_MATCHES

logger = logging.getLogger(__name__)
BLOCK_PERMISSION = "moderation.block_clip"


def _clean(reason, decision) -> tuple[str, str]:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["A reason is required."]}, code="required")
    if len(reason) > 200:
        raise ValidationError({"reason": ["At most 200 characters."]})
    if decision not in (BLOCK, HOLD):
        raise ValidationError({"decision": ["Must be block or hold."]})
    return reason, decision


def stored_features(job) -> list[perceptual.Feature]:
    """The vPDQ signature of a job's stored video (downloaded to a temporary file: vpdq reads
    files through FFmpeg)."""
    if not job.video_file:
        raise ValidationError({"video": ["This video has no stored file to hash."]})
    with tempfile.TemporaryDirectory(prefix="vpdq-") as folder:
        path = Path(folder) / "clip.mp4"
        with open_file(job.video_file) as source, path.open("wb") as target:
            for chunk in source.chunks():
                target.write(chunk)
        return perceptual.video_features(path)


def _key_frame(features: list[perceptual.Feature]) -> perceptual.Feature | None:
    """The best usable frame nearest the middle: the clip's PDQ frame entry."""
    frames = perceptual.usable(features)
    if not frames:
        return None
    middle = frames[len(frames) // 2].timestamp
    return max(frames, key=lambda f: (f.quality, -abs(f.timestamp - middle)))


def block_clip(moderator, video: Video, *, reason: str, decision: str = BLOCK) -> BlockedClip:
    """Add `video`'s clip to the blocklist ("block this clip everywhere"). Only holders of
    `moderation.block_clip` may; a clip with no usable frame (blank) is refused, since its
    signature would match nothing. Published copies are held after commit."""
    if not moderator.has_perm(BLOCK_PERMISSION):
        raise PermissionDenied("Blocking clips needs the moderation.block_clip permission.")
    reason, decision = _clean(reason, decision)
    features = stored_features(video.job)
    key = _key_frame(features)
    if key is None:
        raise ValidationError(
            {"video": ["No frame of this clip has enough detail to be recognised (PDQ quality)."]}
        )
    with transaction.atomic():
        clip = BlockedClip.objects.create(
            reason=reason,
            decision=decision,
            features=[f.as_list() for f in features],
            source_video_id=video.pk,
            source_job_id=video.job_id,
            created_by=moderator,
        )
        BlockedPdqHash.objects.get_or_create(
            hash=key.hex,
            defaults={"quality": key.quality, "reason": reason, "decision": decision, "clip": clip},
        )
        enqueue_on_commit(HOLD_PUBLISHED_MATCHES, clip.pk)
    return clip


def hold_published_matches(clip_id: int) -> int:
    """Hold every published video matching blocked clip `clip_id`; returns how many.

    Linear in the published catalogue (one vpdq pass over each stored file); videos whose file
    cannot be read are logged and skipped, never failed silently as clean."""
    clip = BlockedClip.objects.filter(pk=clip_id).first()
    if clip is None:
        return 0
    clips = BlockedClip.objects.filter(pk=clip.pk)
    held = 0
    published = Video.objects.filter(status=Video.Status.PUBLISHED).select_related("job")
    for video in published.iterator(chunk_size=200):
        try:
            features = stored_features(video.job)
        except Exception:
            logger.warning("blocked clip %s: could not hash video %s", clip.pk, video.pk)
            continue
        matches = perceptual.find_matches(features, clips=clips, frames=clip.frames.all())
        if matches:
            perceptual.record_matches(video.job_id, matches)
            hold_matching_video(video, matches)
            held += 1
    return held


def hold_matching_video(video: Video, matches: list[perceptual.Match]) -> None:
    """Take a published match out of the feeds (held, files kept) and into the queue."""
    from moderation.services import enqueue_held_video

    with transaction.atomic():
        feed_services.hide_video(
            video, status=Video.Status.HELD, reason=f"Matches a blocked clip: {matches[0].reason}"
        )
        item = enqueue_held_video(video)
        for match in matches:
            item.reasons[f"hash_match:{match.kind}"] = 1
        ReviewItem.objects.filter(pk=item.pk).update(reasons=item.reasons)
