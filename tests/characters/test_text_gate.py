"""Text an owner attaches to a likeness rides along with every render of it (instructions
become storyboard constraints and part of a hosted model's prompt; a character's name is how
prompts call it), so it passes the content gate when it is set: a refused text is a 400 naming
the field, and nothing is stored or ledgered."""

import pytest

from accounts.models import Cameo, ConsentEvent
from moderation.models import BlockedTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocked_terms():
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    BlockedTerm.objects.create(pattern="scary", reason="needs review", decision="hold")


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Bomb Dog"), ("instructions", "Always holds a bomb."), ("name", "Scary Cat")],
)
def test_a_character_with_refused_text_is_not_created(
    user, auth_client, upload, blocked_terms, field, value
):
    body = {"handle": "biscuit", "name": "Biscuit", "kind": "pet", "image": upload("drawing.png")}
    body[field] = value
    response = auth_client(user).post("/api/v1/characters", body, format="multipart")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "content_blocked"
    assert field in response.json()
    assert not Cameo.objects.exists()


def test_renaming_or_reinstructing_a_character_with_refused_text_changes_nothing(
    user, auth_client, make_character, blocked_terms
):
    make_character(user, "biscuit", instructions="Biscuit never barks.")
    client = auth_client(user)
    before = ConsentEvent.objects.count()
    for body, field in (
        ({"name": "Bomb"}, "name"),
        ({"instructions": "carry a bomb"}, "instructions"),
    ):
        response = client.patch("/api/v1/characters/biscuit", body, format="json")
        assert response.status_code == 400, response.json()
        assert field in response.json()
    character = Cameo.objects.get(handle="biscuit")
    assert (character.name, character.instructions) == ("Biscuit", "Biscuit never barks.")
    assert ConsentEvent.objects.count() == before
    renamed = client.patch("/api/v1/characters/biscuit", {"name": "Biscuit II"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Biscuit II"


def test_a_cameos_instructions_pass_the_gate(user, auth_client, make_cameo, blocked_terms):
    make_cameo(user, instructions="Keep me in a blue shirt.")
    client = auth_client(user)
    response = client.patch("/api/v1/cameos/me", {"instructions": "say bomb"}, format="json")
    assert response.status_code == 400, response.json()
    assert "instructions" in response.json()
    assert Cameo.objects.get(owner=user).instructions == "Keep me in a blue shirt."
