"""Object-level authorization matrix: bob tries alice's objects with every method.

One row per (method, path, body, expectation); a new endpoint is one new row. Paths and
bodies are templates filled from the `world` fixture (tests/hardening/conftest.py), where
alice owns one of everything and bob owns nothing.

Expectations:
- "hidden": 404 with code `not_found` — the object is private to alice, so bob must not even
  learn that it exists (403 would leak it).
- "refused": any 4xx — the object is public (bob may know it exists) but is not his to change.
- ("like_absent", other_body): bob gets exactly the answer he gets for an id that does not
  exist (reports name the bad `target_id` with a 400 either way).
- "scoped": the endpoint is the caller's own ("me") view: a 2xx (or 404 when bob has no
  such thing, e.g. no cameo) is right, but nothing of alice's may appear in the body.

After every request, nothing in the database may have changed.
"""

import json

import pytest
from django.apps import apps

NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"

# (id, method, path, body, expectation)
CASES = [
    # --- discovery: a tag only alice's private video carries -----------------------------
    ("hashtag-private-only", "get", "/api/v1/hashtags/{secret_tag}", None, "scoped"),
    ("hashtag-unfollow", "delete", "/api/v1/hashtags/{secret_tag}/follow", None, "scoped"),
    ("search-private-caption", "get", "/api/v1/search?q={secret_tag}", None, "scoped"),
    ("search-private-tag", "get", "/api/v1/search?q={secret_tag}&type=hashtags", None, "scoped"),
    # --- characters: alice's pet, only she may use it (only_me) --------------------------
    ("character-get", "get", "/api/v1/characters/{character.handle}", None, "hidden"),
    (
        "character-patch",
        "patch",
        "/api/v1/characters/{character.handle}",
        {"name": "pwned"},
        "hidden",
    ),
    ("character-delete", "delete", "/api/v1/characters/{character.handle}", None, "hidden"),
    ("character-grants", "get", "/api/v1/characters/{character.handle}/grants", None, "hidden"),
    (
        "character-grant-add",
        "post",
        "/api/v1/characters/{character.handle}/grants",
        {"handle": "bob"},
        "hidden",
    ),
    (
        "character-grant-revoke",
        "delete",
        "/api/v1/characters/{character.handle}/grants/{carol.handle}",
        None,
        "hidden",
    ),
    ("character-uses", "get", "/api/v1/characters/{character.handle}/uses", None, "hidden"),
    (
        "character-use-remove",
        "post",
        "/api/v1/characters/{character.handle}/uses/{carol_video.id}/remove",
        None,
        "hidden",
    ),
    ("characters-mine", "get", "/api/v1/characters/mine", None, "scoped"),
    ("openai-character-get", "get", "/v1/videos/characters/{character.handle}", None, "hidden"),
    # --- videos: private and followers-only ------------------------------------------
    ("video-private-get", "get", "/api/v1/videos/{private_video.id}", None, "hidden"),
    (
        "video-private-patch",
        "patch",
        "/api/v1/videos/{private_video.id}",
        {"caption": "x"},
        "hidden",
    ),
    ("video-private-delete", "delete", "/api/v1/videos/{private_video.id}", None, "hidden"),
    ("video-followers-get", "get", "/api/v1/videos/{followers_video.id}", None, "hidden"),
    (
        "video-followers-patch",
        "patch",
        "/api/v1/videos/{followers_video.id}",
        {"visibility": "public"},
        "hidden",
    ),
    ("video-followers-delete", "delete", "/api/v1/videos/{followers_video.id}", None, "hidden"),
    ("video-public-patch", "patch", "/api/v1/videos/{video.id}", {"caption": "pwned"}, "refused"),
    ("video-public-delete", "delete", "/api/v1/videos/{video.id}", None, "refused"),
    ("like-private", "post", "/api/v1/videos/{private_video.id}/like", None, "hidden"),
    ("unlike-private", "delete", "/api/v1/videos/{private_video.id}/like", None, "hidden"),
    ("like-followers", "post", "/api/v1/videos/{followers_video.id}/like", None, "hidden"),
    ("comments-private-get", "get", "/api/v1/videos/{private_video.id}/comments", None, "hidden"),
    (
        "comments-private-post",
        "post",
        "/api/v1/videos/{private_video.id}/comments",
        {"body": "hello"},
        "hidden",
    ),
    (
        "comments-followers-get",
        "get",
        "/api/v1/videos/{followers_video.id}/comments",
        None,
        "hidden",
    ),
    (
        "view-private",
        "post",
        "/api/v1/videos/{private_video.id}/view",
        {"watched_ms": 1000},
        "hidden",
    ),
    (
        "not-interested-private",
        "post",
        "/api/v1/videos/{private_video.id}/not-interested",
        None,
        "hidden",
    ),
    ("remixes-private", "get", "/api/v1/videos/{private_video.id}/remixes", None, "hidden"),
    (
        "provenance-private",
        "get",
        "/api/v1/videos/{private_video.id}/provenance",
        None,
        "hidden",
    ),
    (
        "provenance-followers",
        "get",
        "/api/v1/videos/{followers_video.id}/provenance",
        None,
        "hidden",
    ),
    ("explain-private", "get", "/api/v1/feed/explain/{private_video.id}", None, "hidden"),
    ("comment-delete-private", "delete", "/api/v1/comments/{comment.id}", None, "hidden"),
    ("comment-delete-public", "delete", "/api/v1/comments/{public_comment.id}", None, "refused"),
    # --- generation jobs -------------------------------------------------------------
    ("job-get", "get", "/api/v1/generations/{queued_job.id}", None, "hidden"),
    ("job-cancel", "post", "/api/v1/generations/{queued_job.id}/cancel", None, "hidden"),
    ("job-draft-get", "get", "/api/v1/generations/{draft_job.id}", None, "hidden"),
    (
        "job-publish-other",
        "post",
        "/api/v1/videos",
        {"job_id": "{draft_job.id}", "caption": "mine now"},
        "refused",
    ),
    (
        "job-remix-private",
        "post",
        "/api/v1/generations",
        {"prompt": "a remix", "seconds": 4, "remix_of": "{private_video.id}"},
        "refused",
    ),
    (
        "job-edit",
        "post",
        "/api/v1/generations/{draft_job.id}/edit",
        {"shots": [{"index": 1, "subject": "mine now"}]},
        "hidden",
    ),
    (
        "openai-edit",
        "post",
        "/v1/videos/edits",
        {"prompt": "mine now", "video": {"id": "{draft_job.id}"}},
        "hidden",
    ),
    (
        "job-extend-other",
        "post",
        "/api/v1/generations",
        {"prompt": "and then", "seconds": 4, "extend": "{draft_job.id}"},
        "hidden",
    ),
    (
        "job-stitch-other",
        "post",
        "/api/v1/generations/stitch",
        {"parts": ["{draft_job.id}", "{draft_job.id}"]},
        "hidden",
    ),
    (
        "openai-extend-other",
        "post",
        "/v1/videos/extensions",
        {"prompt": "and then", "seconds": "4", "video": {"id": "{draft_job.id}"}},
        "hidden",
    ),
    ("openai-get", "get", "/v1/videos/{draft_job.id}", None, "hidden"),
    ("openai-delete", "delete", "/v1/videos/{draft_job.id}", None, "hidden"),
    ("openai-content", "get", "/v1/videos/{draft_job.id}/content", None, "hidden"),
    (
        "openai-remix",
        "post",
        "/v1/videos/{draft_job.id}/remix",
        {"prompt": "same but mine"},
        "hidden",
    ),
    # --- cameos: caller-scoped, bob has none -----------------------------------------
    ("cameo-me-get", "get", "/api/v1/cameos/me", None, "hidden"),
    ("cameo-me-patch", "patch", "/api/v1/cameos/me", {"permission": "only_me"}, "hidden"),
    ("cameo-me-delete", "delete", "/api/v1/cameos/me", None, "hidden"),
    ("cameo-grants-get", "get", "/api/v1/cameos/me/grants", None, "scoped"),
    ("cameo-grants-post", "post", "/api/v1/cameos/me/grants", {"handle": "bob"}, "refused"),
    (
        "cameo-grant-delete",
        "delete",
        "/api/v1/cameos/me/grants/{carol.handle}",
        None,
        "refused",
    ),
    ("cameo-ledger", "get", "/api/v1/cameos/me/ledger", None, "scoped"),
    ("cameo-ledger-export", "get", "/api/v1/cameos/me/ledger/export", None, "scoped"),
    ("cameo-uses", "get", "/api/v1/cameos/me/uses", None, "scoped"),
    (
        "cameo-use-remove",
        "post",
        "/api/v1/cameos/me/uses/{carol_video.id}/remove",
        None,
        "hidden",
    ),
    # --- notifications, reports, moderation ------------------------------------------
    ("notifications", "get", "/api/v1/notifications", None, "scoped"),
    ("notifications-read", "post", "/api/v1/notifications/read", None, "scoped"),
    (
        "report-private-video",
        "post",
        "/api/v1/reports",
        {"target_type": "video", "target_id": "{private_video.id}", "reason": "spam"},
        ("like_absent", {"target_type": "video", "target_id": NO_SUCH_UUID, "reason": "spam"}),
    ),
    (
        "report-private-comment",
        "post",
        "/api/v1/reports",
        {"target_type": "comment", "target_id": "{comment.id}", "reason": "spam"},
        ("like_absent", {"target_type": "comment", "target_id": "987654", "reason": "spam"}),
    ),
    (
        "appeal-others-action",
        "post",
        "/api/v1/appeals",
        {"action": "{moderation_action.id}", "text": "not mine but let me try"},
        "hidden",
    ),
    ("my-moderation", "get", "/api/v1/me/moderation", None, "scoped"),
    ("me", "get", "/api/v1/me", None, "scoped"),
    # --- credits and rights statements: the caller's own (alice has a ledger and holds an
    # entity; bob has neither) --------------------------------------------------------------
    ("credits", "get", "/api/v1/me/credits", None, "scoped"),
    ("credits-verify", "get", "/api/v1/me/credits?verify=1", None, "scoped"),
    ("rights-statements", "get", "/api/v1/rights/statements", None, "scoped"),
    # alice's refresh token cannot be spent through bob's account.
    (
        "logout-alices-refresh",
        "post",
        "/api/v1/auth/logout",
        {"refresh": "{alice_refresh}"},
        "refused",
    ),
    (
        "password-change-with-a-wrong-old-password",
        "post",
        "/api/v1/me/password",
        {"old_password": "correct-horse-battery-alice", "new_password": "a-new-long-passphrase"},
        "refused",
    ),
    # --- webhooks: alice's endpoint and its delivery log ------------------------------
    ("webhooks-list", "get", "/api/v1/me/webhooks", None, "scoped"),
    ("webhook-delete", "delete", "/api/v1/me/webhooks/{webhook.id}", None, "hidden"),
    ("webhook-deliveries", "get", "/api/v1/me/webhooks/{webhook.id}/deliveries", None, "hidden"),
    ("quota", "get", "/api/v1/me/quota", None, "scoped"),
    ("generations-list", "get", "/api/v1/generations", None, "scoped"),
    ("openai-list", "get", "/v1/videos", None, "scoped"),
    # --- push: devices and settings are the caller's own ------------------------------
    ("devices-list", "get", "/api/v1/me/devices", None, "scoped"),
    ("device-delete", "delete", "/api/v1/me/devices/{device.id}", None, "hidden"),
    ("notification-settings", "get", "/api/v1/me/notification-settings", None, "scoped"),
    # --- account lifecycle and keys (issue 15) ---------------------------------------
    ("api-keys-list", "get", "/api/v1/me/api-keys", None, "scoped"),
    ("api-key-revoke", "delete", "/api/v1/me/api-keys/{alice_key.id}", None, "hidden"),
    ("export-get", "get", "/api/v1/me/exports/{alice_export.id}", None, "hidden"),
    ("export-create", "post", "/api/v1/me/export", None, "scoped"),  # bob's own export
    # Erasing bob's account with alice's password: refused, nothing changed.
    (
        "erase-with-another-password",
        "post",
        "/api/v1/me/erase",
        {"password": "correct-horse-battery-alice"},
        "refused",
    ),
]

# Tables whose rows must be byte-for-byte the same after bob's attempt.
WATCHED = [
    "accounts.User",
    "accounts.Follow",
    "accounts.Notification",
    "accounts.Cameo",
    "accounts.CameoGrant",
    "accounts.ConsentEvent",
    "generation.GenerationJob",
    "generation.JobCameo",
    "generation.QuotaEntry",
    "billing.CreditAccount",
    "billing.CreditEntry",
    "billing.RevenueShareEntry",
    "feed.Video",
    "feed.Like",
    "feed.Comment",
    "feed.View",
    "feed.NotInterested",
    "moderation.Report",
    "moderation.ReviewItem",
    "moderation.ModerationAction",
    "moderation.Appeal",
    "token_blacklist.BlacklistedToken",
    "push.Device",
    "push.MutedKind",
    "events.WebhookEndpoint",
    "events.WebhookDelivery",
    "accounts.ApiKey",
]


def _snapshot() -> dict:
    return {
        label: sorted(
            (json.dumps(row, sort_keys=True, default=str) for row in model.objects.values()),
        )
        for label in WATCHED
        for model in [apps.get_model(label)]
    }


def _fill(template, world):
    if isinstance(template, str):
        return template.format_map(_Attrs(world))
    if isinstance(template, dict):
        return {key: _fill(value, world) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, world) for value in template]
    return template


class _Attrs(dict):
    def __init__(self, world):
        super().__init__()
        self.world = world

    def __missing__(self, key):
        return getattr(self.world, key)


def _secrets(world) -> list[str]:
    """Strings that only alice's own views may show."""
    return [
        world.alice.handle,
        world.alice.email,
        str(world.private_video.id),
        str(world.followers_video.id),
        str(world.queued_job.id),
        str(world.draft_job.id),
        str(world.job.id),
        str(world.cameo.id),
        str(world.carol_video.id),
        "only for me",  # alice's private comment
        "hardening fixture",  # the moderation reason given to alice
        str(world.device.id),
        world.device.token,
        str(world.webhook.id),
        world.webhook.secret,
        "alice-hooks",  # the path of alice's webhook URL
        world.alice_key.prefix,
        str(world.alice_export.id),
        world.character.handle,
    ]


@pytest.fixture
def bola_world(world):
    from feed.models import Comment, Video

    world.public_comment = Comment.objects.create(video=world.video, author=world.alice, body="hi")
    Video.objects.filter(pk=world.video.pk).update(comment_count=1)
    from accounts.models import CameoGrant

    CameoGrant.objects.create(cameo=world.cameo, grantee=world.carol)
    _alice_pays_and_holds(world)
    from rest_framework_simplejwt.tokens import RefreshToken

    world.alice_refresh = str(RefreshToken.for_user(world.alice))
    from push.models import Device, MutedKind

    world.device = Device.objects.create(user=world.alice, platform="apns", token="a1" * 32)
    MutedKind.objects.create(user=world.alice, kind="like")
    from events.services.webhooks import create_endpoint

    world.webhook = create_endpoint(
        world.alice, url="https://93.184.215.14/alice-hooks", events=["video.completed"]
    )
    from accounts.models import Export
    from accounts.services.api_keys import create_api_key

    world.alice_key = create_api_key(world.alice, name="alice's script")[0]
    world.alice_export = Export.objects.create(user=world.alice)
    from feed.services import update_video

    world.character = _alices_character(world)
    world.secret_tag = "secretplans"
    update_video(world.alice, world.private_video.id, caption="my #secretplans")
    return world


def _alices_character(world):
    """Alice's pet, usable by her alone, shown in carol's video (a use alice could remove)."""
    from django.utils import timezone

    from accounts.models import Cameo
    from generation.models import JobCameo

    character = Cameo.objects.create(
        owner=world.alice,
        kind=Cameo.Kind.PET,
        handle="alicepet",
        name="Alice's pet",
        status=Cameo.Status.ACTIVE,
        permission=Cameo.Permission.ONLY_ME,
        source_clip="characters/alice-placeholder.png",
        verified_at=timezone.now(),
    )
    JobCameo.objects.create(job=world.carol_video.job, cameo=character)
    return character


def _alice_pays_and_holds(world) -> None:
    """Alice's credit ledger names her job; she holds an entity with a statement entry."""
    from django.db import transaction

    from billing.rights import LicensedUse, write_shares
    from billing.services import grant_credits, spend_for_job
    from moderation.models import ProtectedEntity

    entity = ProtectedEntity.objects.create(
        name="Hardening Mascot", kind="character", opted_in=True, rights_holder_account=world.alice
    )
    grant_credits(world.alice, 10, reason="hardening fixture", actor=world.carol)
    grant_credits(world.carol, 10, reason="hardening fixture", actor=world.carol)
    with transaction.atomic():
        spend_for_job(world.alice, world.job, price=2, texts=[], resets_at=None)
        carol_spend = spend_for_job(
            world.carol, world.carol_video.job, price=4, texts=[], resets_at=None
        )
        write_shares(carol_spend, [LicensedUse(entity.pk, world.alice.pk, None)])


@pytest.mark.parametrize(
    ("method", "path", "body", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bob_cannot_reach_alices_objects(bola_world, auth_client, method, path, body, expect):
    client = auth_client(bola_world.bob)
    url = _fill(path, bola_world)
    before = _snapshot()

    response = getattr(client, method)(url, _fill(body, bola_world), format="json")

    if isinstance(expect, tuple):
        absent = getattr(client, method)(url, _fill(expect[1], bola_world), format="json")
        assert response.status_code == absent.status_code, (url, response.status_code)
        assert response.json() == absent.json(), (url, response.json(), absent.json())
        assert 400 <= response.status_code < 500
    elif expect == "hidden":
        assert response.status_code == 404, (url, response.status_code, response.content[:300])
        assert response.json()["code"] == "not_found"
    elif expect == "refused":
        assert 400 <= response.status_code < 500, (
            url,
            response.status_code,
            response.content[:300],
        )
    else:
        # bob's own (empty) view, or 404 where he has nothing of the kind (no cameo).
        assert response.status_code < 300 or response.status_code == 404, (url, response)
        text = response.content.decode()
        leaked = [s for s in _secrets(bola_world) if s in text]
        assert not leaked, (url, leaked)
    assert _snapshot() == before, f"{method.upper()} {url} changed the database"


def test_every_id_route_has_a_row():
    """A new id-taking or private route must get a row above (or be public by design)."""
    from django.urls import get_resolver

    public_by_design = {
        "auth/register",
        "auth/token",
        "auth/token/refresh",
        "users/<str:handle>",
        "users/<str:handle>/follow",
        "users/<str:handle>/block",
        "users/<str:handle>/followers",
        "users/<str:handle>/following",
        "users/<str:handle>/videos",
        "feed",
        "feed/following",
        "storyboards/plan",
        "cameos/available",
        # What the deployment can render: the same list for every caller, nobody's data.
        "models",
        "v1/models",
        # The VAPID public key: the same for every caller, nobody's data.
        "push/vapid-key",
        # Billing: the public pack list; checkout acts on the caller only and takes no id;
        # the webhook is Stripe's (authenticated by its signature, tests/billing).
        "billing/packs",
        "billing/checkout",
        "billing/webhook",
        # Lists of what the caller may see (visible_videos, profiles): rows above check that a
        # private video's words and tags do not leak; tests/discovery covers visibility.
        "search",
        "trends",
        # Creating a character acts on the caller only and takes no id (rows above cover
        # every route that names one).
        "characters",
        "v1/videos/characters",
    }
    covered = {c[2] for c in CASES}
    missing = []
    routes = list(_api_routes(get_resolver()))
    assert len(routes) > 40, routes
    for route in routes:
        if route in public_by_design:
            continue
        pattern = route.replace("<uuid:video_id>", "{").replace("<str:video_id>", "{")
        pattern = pattern.replace("<str:job_id>", "{").replace("<int:comment_id>", "{")
        pattern = pattern.replace("<str:handle>", "{").replace("<str:device_id>", "{")
        pattern = pattern.replace("<str:webhook_id>", "{").replace("<str:tag>", "{")
        pattern = pattern.replace("<uuid:key_id>", "{").replace("<uuid:export_id>", "{")
        pattern = pattern.replace("<str:grantee>", "{")
        pattern = pattern.replace("<str:character_id>", "{")
        if not any(_shape(c) == pattern for c in covered):
            missing.append(route)
    assert not missing, f"routes without a BOLA row: {missing}"


def _shape(path: str) -> str:
    import re

    path = path.removeprefix("/api/v1/").removeprefix("/")
    return re.sub(r"\{[^}]*\}", "{", path)


def _api_routes(resolver, prefix=""):
    from django.urls import URLPattern, URLResolver

    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/v1/", "v1/")) or not str(entry.pattern):
                yield from _api_routes(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith(("api/v1/", "v1/")):
            yield route.removeprefix("api/v1/")


OWNER_READS = [c for c in CASES if c[1] == "get" and c[4] == "hidden"]


@pytest.mark.parametrize(
    ("method", "path", "body", "expect"),
    [c[1:] for c in OWNER_READS],
    ids=[c[0] for c in OWNER_READS],
)
def test_alice_reaches_the_same_urls(bola_world, auth_client, method, path, body, expect):
    """Control: the 404s above are about bob, not about a wrong URL."""
    response = auth_client(bola_world.alice).get(_fill(path, bola_world))
    if path.endswith("/provenance"):
        # The world's files are not rendered, so carry no C2PA manifest: alice is told that
        # about her own video (its own code), where bob got the plain not_found.
        assert response.status_code == 404 and response.json()["code"] == "provenance_not_found"
        return
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
