"""Interests that apps above feed add to the for-you ranking (DESIGN.md: the lower app defines
the hook, a setting names the implementations).

settings.FEED_INTEREST_SOURCES lists classes (dotted paths) with:

- `component` (str): the name of its part in `feed/explain`'s components;
- `boost` (float): added to a candidate's score, in the hot score's unit (ranking.py);
- `candidate_filter(user)`: a filter on feed_video selecting the newest videos carrying the
  caller's interests, bounded by the source (an index walk); its only per-call value must be
  the user's id, because the candidates statement is compiled once per process
  (feed.selectors.user_rows);
- `candidate_match(user)`: a boolean expression on a feed_video row, true when the video
  carries one of the caller's interests — evaluated for every candidate inside the candidates
  statement (a per-row index probe, not a walk of the interests' videos), so the same rule
  on its only per-call value applies;
- `matches(user, video_ids) -> {video_id: reason}`: which of these videos carry one of the
  caller's interests, with a readable reason (one query; feed/explain).

discovery's followed hashtags are the one source today.
"""

import functools
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class InterestSource(Protocol):
    component: str
    boost: float

    def candidate_filter(self, user) -> Any: ...

    def candidate_match(self, user) -> Any: ...

    def matches(self, user, video_ids: list) -> dict: ...


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[InterestSource, ...]:
    return tuple(import_string(path)() for path in paths)


def interest_sources() -> tuple[InterestSource, ...]:
    return _load(tuple(settings.FEED_INTEREST_SOURCES))
