"""PDQ frame hashes and vPDQ video signatures: the blocklist that survives re-encoding.

PDQ (Meta's 256-bit perceptual image hash, `pdqhash`) changes by a few bits when a frame is
re-compressed or scaled, unlike a file hash. vPDQ (`vpdq`) hashes one frame per second of a
video with PDQ; two videos are compared by two percentages (vPDQ's definitions, on frames of
quality >= MODERATION_PDQ_MIN_QUALITY, duplicates removed):

- query match: the share of the checked video's frames within `max_distance` bits of some
  frame of the blocked clip (a trimmed or re-encoded copy scores ~100 %);
- compared match: the share of the blocked clip's frames within that distance of some frame
  of the checked video (the clip pasted inside a longer video scores ~100 %).

A blocked clip matches when either reaches its threshold (80 % by default). A blocked frame
(`BlockedPdqHash`) matches when any usable frame of the video is within its distance.

Cost: one vpdq pass over the output (decodes it once, one PDQ per second), then one
vectorised XOR + popcount of the video's F frames against every blocked hash: the tables are
read once per check, and the work is O(F x H) for H blocked hashes in total (a 25 s clip
against 10,000 blocked clips of 25 frames: 6.25 M 256-bit comparisons; bench/perceptual.py).
vpdq and pdqhash are imported only here, only when a check or a moderator needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from generation.policy import BLOCK, HOLD, PolicyVerdict

PDQ_BYTES = 32
# Columns compared per step: bounds the (frames x hashes x 4) uint64 scratch to a few MB.
CHUNK = 8192


@dataclass(frozen=True)
class Feature:
    """One hashed frame: PDQ hex, PDQ quality (0-100), its time in the video (seconds)."""

    hex: str
    quality: int
    timestamp: float

    def as_list(self) -> list:
        return [self.hex, self.quality, round(self.timestamp, 3)]


@dataclass(frozen=True)
class Match:
    """A blocklist entry the video matched, and how closely."""

    kind: str  # "clip" | "frame"
    entry_id: int
    reason: str
    decision: str
    distance: int
    query_match_percent: float | None = None
    compared_match_percent: float | None = None

    def describe(self) -> str:
        if self.kind == "frame":
            return f"blocked frame #{self.entry_id} at distance {self.distance}"
        return (
            f"blocked clip #{self.entry_id}: {self.query_match_percent:.0f}% of this video's "
            f"frames, {self.compared_match_percent:.0f}% of the clip's"
        )


# --- Hashing -------------------------------------------------------------------------------


def video_features(path: str | Path) -> list[Feature]:
    """The vPDQ signature of a video file (one PDQ per MODERATION_VPDQ_SECONDS_PER_HASH)."""
    import vpdq

    raw = vpdq.computeHash(
        str(path), seconds_per_hash=float(settings.MODERATION_VPDQ_SECONDS_PER_HASH)
    )
    return [Feature(f.hex, int(f.quality), float(f.timestamp)) for f in raw]


def image_pdq(image) -> tuple[str, int]:
    """(PDQ hex, quality) of a Pillow image or an RGB array, bit for bit as vpdq hashes a
    frame (the same 256 bits, most significant first)."""
    import numpy as np
    import pdqhash
    from PIL import Image

    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    bits, quality = pdqhash.compute(np.ascontiguousarray(image, dtype=np.uint8))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def usable(features, *, min_quality: int | None = None) -> list[Feature]:
    """Frames vPDQ compares: quality at least the minimum, each distinct hash once."""
    floor = settings.MODERATION_PDQ_MIN_QUALITY if min_quality is None else min_quality
    seen, kept = set(), []
    for feature in features:
        if feature.quality >= floor and feature.hex not in seen:
            seen.add(feature.hex)
            kept.append(feature)
    return kept


def features_from_json(rows) -> list[Feature]:
    return [Feature(str(h), int(q), float(t)) for h, q, t in rows]


def hash_matrix(hexes: list[str]):
    """(n, 4) uint64: each 256-bit hash as four words, ready for XOR."""
    import numpy as np

    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    packed = bytes.fromhex("".join(hexes))
    return np.frombuffer(packed, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def distances(query, table):
    """(len(query), len(table)) Hamming distances between two hash_matrix results."""
    import numpy as np

    out = np.empty((query.shape[0], table.shape[0]), dtype=np.uint16)
    for start in range(0, table.shape[0], CHUNK):
        block = table[start : start + CHUNK]
        xor = query[:, None, :] ^ block[None, :, :]
        out[:, start : start + block.shape[0]] = np.bitwise_count(xor).sum(axis=2)
    return out


# --- Matching ------------------------------------------------------------------------------


def find_matches(features, *, clips=None, frames=None) -> list[Match]:
    """Every blocklist entry these frames match. The tables are read once (or passed in:
    `clips` / `frames` querysets restrict the search, as a rescan for one clip does)."""
    from moderation.models import BlockedClip, BlockedPdqHash

    query = usable(features)
    if not query:
        return []
    if frames is None:
        frames = BlockedPdqHash.objects.all()
    if clips is None:
        clips = BlockedClip.objects.all()
    query_matrix = hash_matrix([f.hex for f in query])
    # Clips first: a clip's verdict names the whole clip, its key frame's only one frame.
    return _clip_matches(query_matrix, clips) + _frame_matches(query_matrix, frames)


def _frame_matches(query_matrix, frames) -> list[Match]:
    import numpy as np

    rows = list(
        frames.filter(quality__gte=settings.MODERATION_PDQ_MIN_QUALITY).values_list(
            "pk", "hash", "max_distance", "reason", "decision"
        )
    )
    if not rows:
        return []
    table = distances(query_matrix, hash_matrix([hexes for _, hexes, *_ in rows])).min(axis=0)
    limits = np.array([row[2] for row in rows])
    return [
        Match("frame", rows[i][0], rows[i][3], rows[i][4], int(table[i]))
        for i in np.flatnonzero(table <= limits)
    ]


def _clip_matches(query_matrix, clips) -> list[Match]:
    rows = clips.values_list(
        "pk",
        "features",
        "max_distance",
        "query_match_percent",
        "compared_match_percent",
        "reason",
        "decision",
    )
    return match_clip_rows(query_matrix, list(rows))


def match_clip_rows(query_matrix, rows: list) -> list[Match]:
    """vPDQ's query and compared percentages for every blocked clip row (pk, features,
    max_distance, query %, compared %, reason, decision), from one distance matrix over all
    their frames (offsets mark where each clip's frames start)."""
    import numpy as np

    floor = settings.MODERATION_PDQ_MIN_QUALITY
    hexes, owners = [], []
    for index, row in enumerate(rows):
        # usable() on raw [hex, quality, seconds] rows: no objects for 10^5 stored frames.
        clip_hexes = list(dict.fromkeys(h for h, quality, _ in row[1] if quality >= floor))
        hexes += clip_hexes
        owners += [index] * len(clip_hexes)
    if not hexes:
        return []
    owner = np.array(owners)
    limit = np.array([rows[i][2] for i in owners])
    dist = distances(query_matrix, hash_matrix(hexes))
    close = dist <= limit[None, :]
    offsets = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    sizes = np.diff(np.r_[offsets, owner.size])
    # query %: rows with any close column inside the clip's span; compared %: its columns.
    query_pct = 100.0 * np.logical_or.reduceat(close, offsets, axis=1).sum(axis=0, dtype=np.int64)
    query_pct /= query_matrix.shape[0]
    compared_pct = 100.0 * np.add.reduceat(close.any(axis=0).astype(np.int64), offsets) / sizes
    nearest = np.minimum.reduceat(dist.min(axis=0), offsets)
    found = []
    for span, start in enumerate(offsets):
        pk, _, _, need_query, need_compared, reason, decision = rows[owner[start]]
        if query_pct[span] >= need_query or compared_pct[span] >= need_compared:
            found.append(
                Match(
                    "clip",
                    pk,
                    reason,
                    decision,
                    int(nearest[span]),
                    round(float(query_pct[span]), 1),
                    round(float(compared_pct[span]), 1),
                )
            )
    return found


def record_matches(job_id, matches: list[Match]) -> None:
    """Keep the evidence on the job (one row per entry; a retried attempt overwrites)."""
    from moderation.models import HashMatch

    for match in matches:
        key = "clip_id" if match.kind == "clip" else "frame_id"
        entry: dict[str, Any] = {"job_id": job_id, key: match.entry_id}
        HashMatch.objects.update_or_create(
            **entry,
            defaults={
                "decision": match.decision,
                "distance": match.distance,
                "query_match_percent": match.query_match_percent,
                "compared_match_percent": match.compared_match_percent,
            },
        )


def verdict_for(matches: list[Match]) -> PolicyVerdict | None:
    """BLOCK when any matched entry blocks, else HOLD for a hold entry; None without one."""
    if not matches:
        return None
    worst = next((m for m in matches if m.decision == BLOCK), None) or matches[0]
    decision = BLOCK if worst.decision == BLOCK else HOLD
    code = "blocked_clip" if worst.kind == "clip" else "blocked_frame"
    return PolicyVerdict(
        decision,
        code,
        f"The clip matches known prohibited content: {worst.reason}.",
        "vpdq" if worst.kind == "clip" else "pdq",
    )


def check_video(*, job, video_path) -> PolicyVerdict | None:
    """The output check's perceptual part: hash the output once, match every table, keep the
    evidence on the job. A hashing error holds the clip for a person (never a silent allow;
    a file nothing can decode was refused before this runs)."""
    try:
        features = video_features(video_path)
    except Exception as exc:  # vpdq raises plain exceptions for files FFmpeg cannot open
        return PolicyVerdict(
            HOLD, "hash_check_failed", f"The clip could not be hashed ({exc}).", "vpdq"
        )
    matches = find_matches(features)
    job_id = getattr(job, "pk", None)
    if matches and job_id is not None and getattr(job, "_meta", None) is not None:
        record_matches(job_id, matches)
    return verdict_for(matches)
