"""The content gate for text an owner attaches to a likeness: a cameo's or a character's
instructions and a character's name.

That text rides along with every render that shows the likeness (the instructions go into
the storyboard's constraints and the hosted model's prompt), so it passes the same gate as
prompts when it is set, not only when someone else's job happens to carry it. Accounts may
not import generation, which owns the gate: `settings.ACCOUNT_TEXT_GATE` names it
(`generation.policy.check_content` by default, called as `gate(user=, texts=, cameos=[])`).
A BLOCK or a HOLD is a 400 naming the field: text that would need a moderator's review is
not attached to every render of a likeness unreviewed.
"""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from rest_framework.exceptions import ValidationError

from accounts.models import User

REFUSED = ("block", "hold")


@cache
def _gate() -> Callable[..., Any]:
    return import_string(settings.ACCOUNT_TEXT_GATE)


@receiver(setting_changed, dispatch_uid="accounts.text_gate.clear_gate")
def _clear_gate(*, setting: str, **kwargs: Any) -> None:
    if setting == "ACCOUNT_TEXT_GATE":
        _gate.cache_clear()


def check_likeness_texts(owner: User, texts: Sequence[tuple[str, str | None]]) -> None:
    """Raise a 400 (`content_blocked`) naming the field when the gate refuses one of the
    (field, text) pairs; the owner is the user the policy's minor rules look at."""
    pairs = [(field, text) for field, text in texts if text and text.strip()]
    if not pairs:
        return
    verdict = _gate()(user=owner, texts=pairs, cameos=[])
    if verdict.decision in REFUSED:
        field = verdict.field or pairs[0][0]
        message = verdict.reason or "This text is not allowed."
        raise ValidationError({field: [message], "code": "content_blocked"})
