"""Followed hashtags feed the for-you ranking (a candidate branch and a boost) and show in
feed/explain as a reason."""

from datetime import timedelta

from feed import selectors


def test_followed_hashtag_brings_and_boosts_a_video(user, make_user, make_video, auth_client):
    author = make_user("author")
    # enough popular videos to fill the top branch; the tagged one is old and unliked
    for i in range(5):
        make_video(author, caption=f"popular {i}", likes=100)
    tagged = make_video(make_user("niche"), caption="#origami crane", age=timedelta(days=3))
    client = auth_client(user)
    before = selectors.explain_video(user, tagged.id)
    assert before["components"].get("followed_hashtag", 0.0) == 0.0
    assert client.post("/api/v1/hashtags/origami/follow").status_code == 201
    after = selectors.explain_video(user, tagged.id)
    assert after["components"]["followed_hashtag"] == 0.4
    assert after["score"] == round(before["score"] + 0.4, 6)
    assert "it is tagged #origami, which you follow" in after["reasons"]
    body = client.get(f"/api/v1/feed/explain/{tagged.id}").json()
    assert "it is tagged #origami, which you follow" in body["reasons"]
    assert tagged.id in selectors.rank_for_you(user)


def test_followed_hashtag_branch_respects_the_audience(user, make_user, make_video, auth_client):
    stranger = make_user("stranger")
    hidden = make_video(stranger, caption="#origami members only", visibility="followers")
    auth_client(user).post("/api/v1/hashtags/origami/follow")
    assert hidden.id not in selectors.rank_for_you(user)
    ids = [v["id"] for v in auth_client(user).get("/api/v1/feed").json()["results"]]
    assert str(hidden.id) not in ids


def test_users_without_followed_hashtags_pay_no_extra_query(
    user, make_user, make_video, django_assert_max_num_queries
):
    author = make_user("author")
    for i in range(3):
        make_video(author, caption=f"#tag{i}")
    # follows, likes, candidates (one statement per branch off PostgreSQL: 4 branches)
    from django.db import connection

    budget = 3 if connection.vendor == "postgresql" else 6
    with django_assert_max_num_queries(budget):
        selectors.rank_for_you(user)


def test_the_boost_applies_to_a_tagged_video_whatever_branch_found_it(
    user, make_user, make_video, auth_client
):
    """Ranking reads the followed-tag match of every candidate (the candidates statement's
    interest bits), not only of those the followed-tag branch brought."""
    tagged = make_video(make_user("niche"), caption="#origami crane", likes=100)
    plain = make_video(make_user("other"), caption="a crane", likes=120)
    ranked = selectors.rank_for_you(user)
    assert ranked.index(plain.id) < ranked.index(tagged.id)
    assert auth_client(user).post("/api/v1/hashtags/origami/follow").status_code == 201
    candidates = {c.id: c for c in selectors.for_you_candidates(user)}
    assert candidates[tagged.id].interests and not candidates[plain.id].interests
    ranked = selectors.rank_for_you(user)
    assert ranked.index(tagged.id) < ranked.index(plain.id)
    explained = {v: selectors.explain_video(user, v)["score"] for v in (tagged.id, plain.id)}
    assert explained[tagged.id] > explained[plain.id]


def test_a_followed_tag_video_leaves_the_ranking_at_revocation_and_block(
    user, other_user, make_user, make_video, auth_client
):
    """The followed-tag branch and its interest bit widen nothing: a video showing a cameo
    leaves the caller's ranking and feed when the cameo's consent is revoked, and a blocked
    author's tagged video never enters it."""
    from accounts.models import Block, Cameo
    from accounts.services.cameos import revoke_cameo_consent
    from generation.models import JobCameo
    from tests.factories import JobFactory, VideoFactory

    carol = make_user("carol")
    cameo = Cameo.objects.create(
        owner=carol, status="active", permission="everyone", source_clip="cameos/carol.mp4"
    )
    job = JobFactory(user=other_user, status="succeeded", policy={})
    JobCameo.objects.create(job=job, cameo=cameo)
    with_cameo = VideoFactory(author=other_user, job=job, caption="#origami with carol")
    blocker = make_user("blocker")
    Block.objects.create(blocker=user, blocked=blocker)
    blocked = make_video(blocker, caption="#origami from a blocked author")
    client = auth_client(user)
    assert client.post("/api/v1/hashtags/origami/follow").status_code == 201
    candidates = {c.id: c for c in selectors.for_you_candidates(user)}
    assert candidates[with_cameo.id].interests and blocked.id not in candidates
    revoke_cameo_consent(carol)
    assert with_cameo.id not in selectors.rank_for_you(user)
    assert blocked.id not in selectors.rank_for_you(user)
    ids = {v["id"] for v in client.get("/api/v1/feed").json()["results"]}
    assert not ids & {str(with_cameo.id), str(blocked.id)}
