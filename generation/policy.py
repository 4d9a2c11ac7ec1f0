"""The hook through which generation asks policy questions it does not own.

`settings.GENERATION_PROMPT_CHECKS` / `GENERATION_OUTPUT_CHECKS` name callables (loaded with
`import_string`, as Django loads AUTH_PASSWORD_VALIDATORS). moderation provides them; the
generation app never imports moderation.

A prompt check is called as `check(user=..., prompt=..., cameos=[Cameo, ...])`; an output check
as `check(job=..., video_path=Path)`. Each returns None (nothing to say) or a `PolicyVerdict`.
"""

from dataclasses import asdict, dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

ALLOW = "allow"
HOLD = "hold"  # allowed to render, but held for human review before it can be published
BLOCK = "block"
_SEVERITY = {ALLOW: 0, HOLD: 1, BLOCK: 2}


@dataclass(frozen=True)
class PolicyVerdict:
    decision: str  # ALLOW | HOLD | BLOCK
    code: str  # stable machine code, e.g. "blocked_term", "protected_likeness"
    reason: str  # readable by the user
    check: str = ""  # which check said it

    def as_dict(self) -> dict:
        return asdict(self)


@cache
def _load(setting_name: str) -> tuple:
    return tuple(import_string(path) for path in getattr(settings, setting_name, []))


def _strictest(verdicts: list[PolicyVerdict]) -> PolicyVerdict:
    if not verdicts:
        return PolicyVerdict(ALLOW, "allowed", "")
    return max(verdicts, key=lambda v: _SEVERITY[v.decision])


def run_prompt_checks(*, user, prompt: str, cameos: list) -> PolicyVerdict:
    verdicts = [
        v
        for check in _load("GENERATION_PROMPT_CHECKS")
        if (v := check(user=user, prompt=prompt, cameos=cameos))
    ]
    return _strictest(verdicts)


def run_output_checks(*, job, video_path) -> PolicyVerdict:
    verdicts = [
        v
        for check in _load("GENERATION_OUTPUT_CHECKS")
        if (v := check(job=job, video_path=video_path))
    ]
    return _strictest(verdicts)


def reset_check_cache() -> None:
    """Tests that override the settings call this so the new list is loaded."""
    _load.cache_clear()
