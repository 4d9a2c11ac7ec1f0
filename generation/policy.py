"""The hook through which generation asks policy questions it does not own: the content gate.

`settings.GENERATION_PROMPT_CHECKS` / `GENERATION_OUTPUT_CHECKS` name callables (loaded with
`import_string`, as Django loads AUTH_PASSWORD_VALIDATORS). moderation provides them; the
generation app never imports moderation.

A prompt check is called as `check(user=..., prompt=..., cameos=[Cameo, ...])` once per piece
of user text, or, when it has a `for_texts` attribute, as `check.for_texts(user=...,
texts=[(field, text), ...], cameos=...)` once for all of them (the verdict names the field);
an output check as `check(job=..., video_path=Path)`. Each returns None (nothing
to say) or a `PolicyVerdict`. An output check may attach `evidence` (what it saw: per-frame
scores…) and the stored `files` that evidence refers to, even to an ALLOW verdict: the pipeline
records them on the job (`policy["output_evidence"]`, `policy["output_files"]`) for moderators,
and the files follow the job (deleted with it). An output check with a `warm` attribute has it
called once per worker process before the first job (a model to load).
`GENERATION_TRANSCRIBERS` (generation/transcripts.py) turn the output's sound into text that
goes through the same gate.

`check_content` is the one gate for user text that can reach a render or a viewer: the prompt,
every storyboard field, captions, comments. Every caller goes through it (or through
`run_prompt_checks`, its one-text form), so the same verdicts and minor rules apply wherever
the text was typed.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

ALLOW = "allow"
HOLD = "hold"  # allowed to render, but held for human review before it can be published
BLOCK = "block"
_SEVERITY = {ALLOW: 0, HOLD: 1, BLOCK: 2}
_CHECK_SETTINGS = (
    "GENERATION_PROMPT_CHECKS",
    "GENERATION_OUTPUT_CHECKS",
    "GENERATION_TRANSCRIBERS",
)


@dataclass(frozen=True)
class PolicyVerdict:
    decision: str  # ALLOW | HOLD | BLOCK
    code: str  # stable machine code, e.g. "blocked_term", "protected_likeness"
    reason: str  # readable by the user
    check: str = ""  # which check said it
    field: str = ""  # which text it is about: "prompt", "storyboard[2].caption", …
    # What an output check saw, keyed by what it is ("frames": …), and the stored files it
    # refers to. Recorded beside the verdict, never inside it: as_dict() leaves them out.
    evidence: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    files: tuple[str, ...] = dataclasses.field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["evidence"], data["files"]
        return data


@dataclass(frozen=True)
class OutputReview:
    """The output checks' strictest verdict, with every check's evidence and stored files."""

    verdict: PolicyVerdict
    evidence: dict
    files: list[str]


@cache
def _load(setting_name: str) -> tuple:
    return tuple(import_string(path) for path in getattr(settings, setting_name, []))


def load_hooks(setting_name: str) -> list[tuple[str, Callable[..., Any]]]:
    """(dotted path, callable) for each entry of a hook-list setting (cached like _load)."""
    paths = getattr(settings, setting_name, [])
    return list(zip(paths, _load(setting_name), strict=True))


@receiver(setting_changed, dispatch_uid="generation.policy.clear_check_cache")
def _clear_check_cache(*, setting, **kwargs) -> None:
    """A changed check list (override_settings, pytest's `settings`) is loaded afresh."""
    if setting in _CHECK_SETTINGS:
        _load.cache_clear()


def _strictest(verdicts: list[PolicyVerdict]) -> PolicyVerdict:
    if not verdicts:
        return PolicyVerdict(ALLOW, "allowed", "")
    return max(verdicts, key=lambda v: _SEVERITY[v.decision])


strictest = _strictest


def check_content(*, user, texts: list[tuple[str, str]], cameos: list) -> PolicyVerdict:
    """Every prompt check on every (field, text) pair; the strictest verdict, naming its field.

    `cameos` are everyone the render shows: the checks apply their owners' instructions and
    the minor rules when any of them is under 18.
    """
    distinct = {}
    for field, text in texts:
        if text and text not in distinct:
            distinct[text] = field
    pairs = [(field, text) for text, field in distinct.items()]
    verdicts = [
        verdict
        for check in _load("GENERATION_PROMPT_CHECKS")
        if (verdict := _run_check(check, user=user, texts=pairs, cameos=cameos))
    ]
    return _strictest(verdicts)


def _run_check(check, *, user, texts, cameos) -> PolicyVerdict | None:
    """One check over every text: in one call when it offers `for_texts` (moderation's reads
    its tables once), else text by text, stopping at the first BLOCK."""
    for_texts = getattr(check, "for_texts", None)
    if for_texts is not None:
        return for_texts(user=user, texts=texts, cameos=cameos)
    found = []
    for field, text in texts:
        verdict = check(user=user, prompt=text, cameos=cameos)
        if verdict is None:
            continue
        found.append(replace(verdict, field=field))
        if verdict.decision == BLOCK:
            break
    return _strictest(found) if found else None


def run_prompt_checks(*, user, prompt: str, cameos: list) -> PolicyVerdict:
    """The gate for one text (a prompt, a caption, a comment)."""
    return check_content(user=user, texts=[("prompt", prompt)], cameos=cameos)


def review_output(*, job, video_path) -> OutputReview:
    """Every output check on the rendered file, then (unless one blocked) the transcript hook
    (generation/transcripts.py: what the clip says passes the same gate as what was typed):
    the strictest verdict (a plain "allowed" when none objects) and what each check recorded."""
    verdicts = [
        v
        for check in _load("GENERATION_OUTPUT_CHECKS")
        if (v := check(job=job, video_path=video_path))
    ]
    if not any(v.decision == BLOCK for v in verdicts):
        from generation.transcripts import check_transcripts

        if (spoken := check_transcripts(job=job, video_path=video_path)) is not None:
            verdicts.append(spoken)
    evidence: dict = {}
    files: list[str] = []
    for verdict in verdicts:
        evidence.update(verdict.evidence)
        files.extend(verdict.files)
    strictest = _strictest([v for v in verdicts if v.decision != ALLOW])
    return OutputReview(replace(strictest, evidence={}, files=()), evidence, files)


def run_output_checks(*, job, video_path) -> PolicyVerdict:
    return review_output(job=job, video_path=video_path).verdict


def warm_output_checks() -> None:
    """Let each output check that has a `warm` attribute load what it needs (once per worker
    process, before the first job), so the first job does not pay for it."""
    for check in _load("GENERATION_OUTPUT_CHECKS"):
        warm = getattr(check, "warm", None)
        if warm is not None:
            warm()
