"""Characters: cameos of a pet, an object, a drawing… with their own @handle.

A character IS a `Cameo` (kind != person), so the use check, the ledger, the uses list,
removal and revocation are the cameo ones (accounts/services/cameo_use.py, cameos.py); this
module only adds what differs: creation from a picture or a clip, one handle namespace with
users (accounts.models.Handle, enforced by the database), reading by handle as the
permission allows, and settings by handle. Verification is `cameos.verify_cameo`, which hands
characters to accounts/services/character_media.py (no liveness; a face is refused).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError

from accounts.ledger import append_consent_event
from accounts.models import HANDLE_PATTERN, Cameo, ConsentEvent, User
from accounts.services.cameo_use import usable_cameos
from accounts.services.cameos import VERIFY_TASK, revoke_consent, update_settings
from accounts.services.text_gate import check_likeness_texts
from accounts.services.users import handle_taken
from config.storage import delete_file, save_file
from config.tasks import enqueue_on_commit
from media.errors import InvalidMedia
from media.references import check_reference_image
from media.sniff import check_video_upload, sha256_of

Kind = Cameo.Kind
Status = Cameo.Status
CHARACTER_KINDS = [kind for kind in Kind.values if kind != Kind.PERSON]
HANDLE_TAKEN = "This handle is taken."
NAME_MAX = 80
# Path words under characters/ that a handle would shadow.
RESERVED_HANDLES = {"mine"}


class CharacterNotFound(NotFound):
    default_detail = "No such character."
    default_code = "character_not_found"


def characters_of(owner: User) -> QuerySet[Cameo]:
    """The owner's characters, revoked ones excluded, newest first."""
    return (
        Cameo.objects.filter(owner=owner)
        .exclude(kind=Kind.PERSON)
        .exclude(status=Status.REVOKED)
        .select_related("owner")
        .order_by("-created_at", "-id")
    )


def access_character(actor: User, handle: Any, *, for_update: bool = False) -> Cameo:
    """The live character `handle` names as `actor` may see it: its owner always, anyone else
    only while its permission lets them use it (`usable_cameos`, the use check's mirror).
    Otherwise the same 404, so a private character's existence is not revealed."""
    if not isinstance(handle, str) or not re.fullmatch(r"@?[A-Za-z0-9_]{1,30}", handle):
        raise CharacterNotFound()
    qs = Cameo.objects.exclude(kind=Kind.PERSON).exclude(status=Status.REVOKED)
    qs = qs.filter(handle=handle.lstrip("@").lower()).select_related("owner")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    character = qs.first()
    if character is None:
        raise CharacterNotFound()
    if character.owner_id != actor.pk and not usable_cameos(actor).filter(pk=character.pk):
        raise CharacterNotFound()
    return character


def owned_character(owner: User, handle: Any, *, for_update: bool = False) -> Cameo:
    """`access_character`, for changes: only the owner; anyone else gets the same 404."""
    character = access_character(owner, handle, for_update=for_update)
    if character.owner_id != owner.pk:
        raise CharacterNotFound()
    return character


def derive_handle(name: str) -> str:
    """A free handle from a display name (the /v1 SDK sends only a name): lower-case
    [a-z0-9_], at least 3 characters, a numeric suffix until no user or character holds it."""
    base = re.sub(r"[^a-z0-9_]+", "_", (name or "").lower()).strip("_")[:24] or "character"
    if len(base) < 3:
        base = f"{base}_character"[:24]
    candidate, number = base, 1
    while handle_taken(candidate):
        number += 1
        candidate = f"{base}_{number}"
    return candidate


def check_character_fields(
    owner: User, *, handle: Any, name: Any, kind: Any, permission: Any, instructions: Any
) -> dict:
    """The create fields as stored values, or a 400 naming the first bad field."""
    if not isinstance(handle, str) or not re.fullmatch(HANDLE_PATTERN, handle.lstrip("@").lower()):
        raise ValidationError(
            {"handle": ["3-30 characters: letters, digits and underscores."], "code": "invalid"}
        )
    handle = handle.lstrip("@").lower()
    if handle in RESERVED_HANDLES:
        raise ValidationError({"handle": ["This handle is reserved."], "code": "handle_taken"})
    if handle_taken(handle):
        raise ValidationError({"handle": [HANDLE_TAKEN], "code": "handle_taken"})
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise ValidationError({"name": [f"A name of 1-{NAME_MAX} characters is required."]})
    kind = kind or Kind.OTHER
    if kind not in CHARACTER_KINDS:
        raise ValidationError({"kind": [f"One of {', '.join(CHARACTER_KINDS)}."]})
    permission = permission or Cameo.Permission.ONLY_ME
    _check_permission(owner, permission)
    instructions = instructions or ""
    if not isinstance(instructions, str) or len(instructions) > 1000:
        raise ValidationError({"instructions": ["At most 1000 characters."]})
    check_likeness_texts(owner, [("name", name), ("instructions", instructions)])
    return {
        "handle": handle,
        "name": name.strip(),
        "kind": kind,
        "permission": permission,
        "instructions": instructions,
    }


def _check_permission(owner: User, permission: Any) -> None:
    if permission not in Cameo.Permission.values:
        raise ValidationError({"permission": [f'"{permission}" is not a valid choice.']})
    if permission == Cameo.Permission.EVERYONE and owner.is_minor:
        raise ValidationError(
            {"permission": ["Accounts of people under 18 cannot open a character to everyone."]}
        )


def _checked_source(video: Any, image: Any) -> tuple[bytes | Any, str, str]:
    """(content to store, extension, sha256) of the one upload, or a 400 naming its field.
    A picture is checked now (format, size, a face); a clip is sniffed now and probed by
    the verifier."""
    if (video is None) == (image is None):
        raise ValidationError({"image": ["Send exactly one of `image` or `video`."]})
    if image is not None:
        reference = check_reference_image(image, field="image")
        return reference.png, "png", reference.sha256
    try:
        check_video_upload(video, max_bytes=settings.CAMEO_CLIP_MAX_BYTES)
    except InvalidMedia as exc:
        raise ValidationError({"video": [exc.message], "code": exc.code}) from None
    return video, "mp4", sha256_of(video)


def create_character(
    owner: User,
    *,
    video: Any = None,
    image: Any = None,
    handle: Any,
    name: Any,
    kind: Any = None,
    permission: Any = None,
    instructions: Any = None,
) -> Cameo:
    """Store the character's source privately and start verification (pending_verification).

    Every field is checked before anything is stored; the handle's last check is the
    database's (a concurrent user or character taking it → the same 400).
    """
    fields = check_character_fields(
        owner,
        handle=handle,
        name=name,
        kind=kind,
        permission=permission,
        instructions=instructions,
    )
    content, extension, sha256 = _checked_source(video, image)
    stored = save_file(f"characters/{owner.pk}/{uuid.uuid4().hex}.{extension}", content)
    try:
        with transaction.atomic():
            character = Cameo.objects.create(
                owner=owner, source_clip=stored, source_sha256=sha256, **fields
            )
            append_consent_event(
                owner,
                character,
                ConsentEvent.Action.CREATED,
                actor=owner,
                data={
                    "consent": True,
                    "source_sha256": sha256,
                    "permission": character.permission,
                    "kind": character.kind,
                },
                private={"handle": character.handle, "name": character.name},
            )
            enqueue_on_commit(VERIFY_TASK, str(character.pk))
    except IntegrityError:
        delete_file(stored)
        raise ValidationError({"handle": [HANDLE_TAKEN], "code": "handle_taken"}) from None
    except BaseException:
        delete_file(stored)
        raise
    return character


def update_character(
    owner: User,
    handle: Any,
    *,
    name: str | None = None,
    permission: str | None = None,
    instructions: str | None = None,
) -> Cameo:
    """Change a character's name, permission or instructions (owner only, else 404); the
    permission and instructions changes are ledgered exactly as a cameo's."""
    if permission is not None:
        _check_permission(owner, permission)
    if name is not None and (not name.strip() or len(name) > NAME_MAX):
        raise ValidationError({"name": [f"A name of 1-{NAME_MAX} characters."]})
    check_likeness_texts(owner, [("name", name)])
    with transaction.atomic():
        character = owned_character(owner, handle, for_update=True)
        if name is not None and name.strip() != character.name:
            character.name = name.strip()
            character.save(update_fields=["name"])
        return update_settings(character, permission=permission, instructions=instructions)


def delete_character(owner: User, handle: Any) -> Cameo:
    """Withdraw consent for a character (owner only, else 404): the cameo revocation, so new
    uses are refused at once and existing ones taken down. Its handle stays reserved, as a
    revoked cameo stays on its ledger: old videos' @mentions never point at a newcomer."""
    with transaction.atomic():
        character = owned_character(owner, handle, for_update=True)
        return revoke_consent(character, actor=owner, reason="owner")
