"""The one content gate (issue 12, findings 1, 4, 7 and the planner crash of 8): every piece of
user text that can reach a render passes the same checks as the prompt, the mention check reads
the whole storyboard, the owners' instructions reach every shot, minor rules follow the people
shown, and text that cannot be stored is refused before anything is written or charged."""

import json
from datetime import date

import pytest

from accounts.models import ConsentEvent
from accounts.services.cameos import grant_cameo
from generation.models import GenerationJob, QuotaEntry
from moderation.models import BlockedTerm
from tests.generation.conftest import new_key

pytestmark = pytest.mark.django_db

MINOR_BIRTH_DATE = date(date.today().year - 15, 1, 1)


@pytest.fixture
def moderation_checks(settings):
    """The real prompt policy (moderation.policy), as production plugs it in."""
    settings.GENERATION_PROMPT_CHECKS = ["moderation.policy.check_prompt"]


def _shots(**changes):
    """Two valid shots adding up to 4 seconds; `changes` apply to the second one."""
    first = {"seconds": 2, "camera": "static", "subject": "a fox", "action": "sits"}
    second = {"seconds": 2, "camera": "pan_left", "subject": "a fox", "action": "runs", **changes}
    return [first, second]


def _nothing_written(user):
    assert not GenerationJob.objects.filter(user=user).exists()
    assert not QuotaEntry.objects.filter(user=user).exists()


def test_storyboard_caption_with_blocked_term_is_refused(
    alice_client, user, post_generation, moderation_checks
):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    body = {"prompt": "a fox in the snow", "seconds": 4, "storyboard": _shots(caption="B0MB!")}
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert job.status == GenerationJob.Status.BLOCKED
    assert job.error_code == "blocked_term"
    assert job.policy["prompt"]["field"] == "storyboard[1].caption"
    assert job.error_message.startswith("storyboard[1].caption: ")
    assert not QuotaEntry.objects.filter(user=user).exists()


@pytest.mark.parametrize("field", ["subject", "action", "dialogue", "notes"])
def test_every_storyboard_text_field_passes_the_gate(
    alice_client, user, post_generation, moderation_checks, field
):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    body = {"prompt": "a fox", "seconds": 4, "storyboard": _shots(**{field: "a bomb"})}
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "blocked"
    assert GenerationJob.objects.get(user=user).policy["prompt"]["field"] == (
        f"storyboard[1].{field}"
    )


def test_mention_inside_storyboard_needs_consent(
    alice_client, user, make_user, make_cameo, post_generation
):
    ava = make_user("ava")
    make_cameo(ava, permission="approved")
    body = {"prompt": "a fox", "seconds": 4, "storyboard": _shots(action="dances with @ava")}
    response = post_generation(alice_client, body)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "cameo_permission_denied"
    _nothing_written(user)
    refused = ConsentEvent.objects.filter(owner=ava, action=ConsentEvent.Action.USE_REFUSED)
    assert refused.filter(actor=user).exists()


def test_owner_instructions_reach_every_shot_of_a_user_storyboard(
    alice_client, user, make_user, make_cameo, post_generation
):
    ava = make_user("ava")
    make_cameo(ava, permission="everyone", instructions="Never in ads.")
    shots = _shots(constraints=["the client's own rule"])
    body = {"prompt": "@ava walks a fox", "seconds": 4, "storyboard": shots}
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.user_storyboard
    assert [shot["constraints"] for shot in job.storyboard] == [["@ava: Never in ads."]] * 2
    assert response.json()["storyboard"][1]["constraints"] == ["@ava: Never in ads."]


def test_owner_instructions_refuse_a_storyboard_that_breaks_them(
    alice_client, user, make_user, make_cameo, post_generation, moderation_checks
):
    ava = make_user("ava")
    make_cameo(ava, permission="everyone", instructions="No smoking.")
    body = {
        "prompt": "@ava in a park",
        "seconds": 4,
        "storyboard": _shots(action="lights a cigarette"),
    }
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert (job.status, job.error_code) == ("blocked", "cameo_instructions")
    assert job.policy["prompt"]["field"] == "storyboard[1].action"


def test_adult_using_minor_cameo_gets_minor_rules(
    alice_client, user, make_user, make_cameo, post_generation, moderation_checks
):
    teen = make_user("teen", birth_date=MINOR_BIRTH_DATE)
    assert teen.is_minor and not user.is_minor
    make_cameo(teen, permission="approved")
    grant_cameo(teen, user)
    BlockedTerm.objects.create(pattern="scary", reason="needs review", decision="hold")
    body = {"prompt": "@teen tells a scary story", "seconds": 4}
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert job.status == GenerationJob.Status.BLOCKED
    assert job.policy["prompt"]["decision"] == "block"
    assert "under 18" in job.error_message
    assert not QuotaEntry.objects.filter(user=user).exists()


def test_adult_without_minor_cameo_keeps_the_hold(
    alice_client, user, post_generation, moderation_checks
):
    BlockedTerm.objects.create(pattern="scary", reason="needs review", decision="hold")
    response = post_generation(alice_client, {"prompt": "a scary story", "seconds": 4})
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert job.status == GenerationJob.Status.QUEUED
    assert job.policy["prompt"]["decision"] == "hold"


def _post_raw(client, text: str):
    """POST generations with a body the test client's encoder could not write (lone
    surrogates are valid JSON escapes, but not UTF-8)."""
    return client.post(
        "/api/v1/generations",
        data=text,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )


def test_surrogate_in_storyboard_is_400_and_charges_nothing(alice_client, user):
    body = json.dumps({"prompt": "a fox", "seconds": 4, "storyboard": _shots(caption="\ud800")})
    assert "\\ud800" in body
    response = _post_raw(alice_client, body)
    assert response.status_code == 400, response.content
    assert list(response.json()["storyboard"]) == ["1"]  # DRF's shape: errors by shot position
    assert "caption" in response.json()["storyboard"]["1"]
    _nothing_written(user)
    listing = alice_client.get("/api/v1/generations")
    assert listing.status_code == 200
    assert listing.json()["results"] == []


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"prompt": "a fox \udfff"}, "prompt"),
        ({"cameos": ["\ud83d"]}, "cameos"),
    ],
)
def test_surrogate_in_any_text_field_is_400_naming_it(alice_client, user, changes, field):
    response = _post_raw(alice_client, json.dumps({"prompt": "a fox", "seconds": 4, **changes}))
    assert response.status_code == 400, response.content
    assert field in response.json()
    _nothing_written(user)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"caption": "nul \x00"}, "caption"),
        ({"caption": "x" * 121}, "caption"),
        ({"subject": ["not", "text"]}, "subject"),
        ({"camera": "spin"}, "camera"),
        ({"seconds": "soon"}, "seconds"),
        ({"seconds": "nan"}, "seconds"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_shot_field_is_400_naming_shot_and_field(
    alice_client, user, post_generation, changes, field
):
    body = {"prompt": "a fox", "seconds": 4, "storyboard": _shots(**changes)}
    response = post_generation(alice_client, body)
    assert response.status_code == 400, response.content
    errors = response.json()["storyboard"]
    assert list(errors) == ["1"] and field in errors["1"]
    _nothing_written(user)


def test_null_shot_is_400_naming_its_position(alice_client, user, post_generation):
    body = {"prompt": "a fox", "seconds": 4, "storyboard": [_shots()[0], None]}
    response = post_generation(alice_client, body)
    assert response.status_code == 400, response.content
    assert list(response.json()["storyboard"]) == ["1"]
    _nothing_written(user)


def test_punctuation_only_prompt_plans(alice_client):
    response = alice_client.post(
        "/api/v1/storyboards/plan", {"text": "...", "seconds": 8}, format="json"
    )
    assert response.status_code == 200, response.content
    shots = response.json()["shots"]
    assert shots and sum(shot["seconds"] for shot in shots) == 8


@pytest.mark.slow
def test_punctuation_only_prompt_renders(user, django_capture_on_commit_callbacks):
    from generation.services import create_job

    with django_capture_on_commit_callbacks(execute=True):
        job, created = create_job(user, prompt="...", seconds=4, idempotency_key=new_key())
    job.refresh_from_db()
    assert created
    assert job.status == GenerationJob.Status.SUCCEEDED, (job.error_code, job.error_message)


def test_gate_reads_the_policy_tables_once_however_many_shots(
    alice_client, post_generation, moderation_checks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    BlockedTerm.objects.create(pattern="bomb", reason="weapons")
    shot = {"seconds": 2, "camera": "static", "subject": "a fox", "action": "runs"}
    shots = [{**shot, "caption": f"part {i}", "dialogue": f"line {i}"} for i in range(12)]
    counts = []
    for body in (
        {"prompt": "a fox", "seconds": 24},
        {"prompt": "a fox", "seconds": 24, "storyboard": shots},
    ):
        with CaptureQueriesContext(connection) as queries:
            assert post_generation(alice_client, body).status_code == 202
        counts.append(len(queries.captured_queries))
    assert counts[1] == counts[0]


def test_a_plugged_in_check_sees_each_storyboard_text(
    alice_client, user, post_generation, settings
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    shots = _shots()
    shots[0]["dialogue"] = "Here be dragons"
    response = post_generation(alice_client, {"prompt": "a fox", "seconds": 4, "storyboard": shots})
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert (job.status, job.policy["prompt"]["field"]) == ("blocked", "storyboard[0].dialogue")


# --- What the planner writes (issue 20, "Audio") --------------------------------------------

SPELLED_SCRIPT = "\n".join(f"MAYA: {letter}" for letter in "BOMB" * 12)


def test_hostile_dialogue_the_planner_assembles_is_refused(
    alice_client, user, post_generation, moderation_checks
):
    """One letter per spoken line passes the prompt check (no word is spelled in the prompt
    as typed), but the planner merges the 48 lines into 12 shots whose dialogue the renderer
    voices as "B O M B": the gate checks the planned dialogue too, before anything is charged."""
    from generation.storyboard import plan_storyboard
    from moderation.policy import check_prompt

    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    assert check_prompt(user=user, prompt=SPELLED_SCRIPT, cameos=[]) is None
    body = {"prompt": SPELLED_SCRIPT, "seconds": 8, "seed": 1}
    assert plan_storyboard(SPELLED_SCRIPT, 8, seed=1)[0]["dialogue"] == "B O M B"
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(user=user)
    assert (job.status, job.error_code) == ("blocked", "blocked_term")
    assert job.policy["prompt"]["field"] == "plan[0].dialogue"
    assert job.error_message.startswith("plan[0].dialogue: ")
    assert not QuotaEntry.objects.filter(user=user).exists()


def test_a_plugged_in_check_sees_the_planned_dialogue(
    alice_client, user, post_generation, settings
):
    """The hook receives the planner's text as its own field (a script line is a shot's
    dialogue), so a check written for dialogue sees it."""
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    body = {"prompt": 'A knight at the gate. KNIGHT: "Here be dragons"', "seconds": 4}
    response = post_generation(alice_client, body)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "blocked"
    assert job.policy["prompt"]["field"] == "prompt"  # the prompt itself names the dragon
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_dialogue_only"]
    response = post_generation(alice_client, body)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "blocked"
    assert job.policy["prompt"]["field"].startswith("plan[") and job.policy["prompt"][
        "field"
    ].endswith(".dialogue")


def test_a_clean_script_still_renders(user, moderation_checks, django_capture_on_commit_callbacks):
    from generation.services.jobs import create_job

    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    script = 'MAYA: "Did you see the lighthouse?"\nLEO: "Every night."'
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = create_job(user, prompt=script, seconds=4, seed=2, idempotency_key=new_key())
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    assert [shot["dialogue"] for shot in job.storyboard] == [
        "Did you see the lighthouse?",
        "Every night.",
    ]
