"""GET search: videos (full-text), users and hashtags (prefix and trigram), the same results
on PostgreSQL and SQLite for these fixtures, visibility through the feed's selector, bad input.
"""

import pytest

from accounts.services.users import block_user


@pytest.fixture
def world(make_user, make_video):
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob_builder", display_name="Bob The Builder")
    carol = make_user("carol", display_name="Carol Danvers")
    videos = {
        "sunset": make_video(bob, caption="Golden sunset over the beach #sunset", likes=3),
        "sunset_popular": make_video(bob, caption="Red sunset on the pier #sunset", likes=300),
        "surf": make_video(carol, caption="Surfing the big waves #beach #surf", likes=10),
        "private": make_video(carol, caption="secret sunset", visibility="private"),
        "removed": make_video(carol, caption="removed sunset", status="removed"),
        "city": make_video(carol, caption="Neon city lights at night", likes=1),
    }
    return alice, bob, carol, videos


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_video_search_ranks_relevance_then_popularity(world, auth_client):
    alice, _, _, videos = world
    client = auth_client(alice)
    found = ids(client.get("/api/v1/search", {"q": "sunset"}))
    # both match once in the caption and once as a tag: the popular one first; the private
    # and removed videos are not shown
    assert found == [str(videos["sunset_popular"].id), str(videos["sunset"].id)]
    assert ids(client.get("/api/v1/search", {"q": "sunset beach"})) == [str(videos["sunset"].id)]
    assert ids(client.get("/api/v1/search", {"q": "sunset -pier"})) == [str(videos["sunset"].id)]
    assert set(ids(client.get("/api/v1/search", {"q": "pier or surfing"}))) == {
        str(videos["sunset_popular"].id),
        str(videos["surf"].id),
    }
    # hashtags as typed, the creator's handle and display name are searchable too
    assert ids(client.get("/api/v1/search", {"q": "#surf"})) == [str(videos["surf"].id)]
    assert set(ids(client.get("/api/v1/search", {"q": "danvers"}))) == {
        str(videos["surf"].id),
        str(videos["city"].id),
    }


def test_video_results_carry_the_feed_shape(world, auth_client):
    alice, _, _, videos = world
    row = auth_client(alice).get("/api/v1/search", {"q": "surfing"}).json()["results"][0]
    assert row["id"] == str(videos["surf"].id)
    assert [e["tag"] for e in row["caption_entities"]] == ["beach", "surf"]


def test_blocks_hide_videos_and_users_both_ways(world, auth_client):
    alice, bob, _, _ = world
    block_user(bob, alice)
    client = auth_client(alice)
    assert ids(client.get("/api/v1/search", {"q": "sunset"})) == []
    assert ids(client.get("/api/v1/search", {"q": "bob", "type": "users"})) == []


def test_consent_takedown_leaves_search(world, auth_client):
    from feed.services import take_down_video

    alice, _, _, videos = world
    take_down_video(videos["sunset_popular"], reason="cameo consent revoked")
    found = ids(auth_client(alice).get("/api/v1/search", {"q": "sunset"}))
    assert found == [str(videos["sunset"].id)]


def test_followers_only_video_found_by_followers_only(world, make_user, make_video, auth_client):
    from accounts.services.users import follow_user

    alice, bob, _, _ = world
    hidden = make_video(bob, caption="members sunset", visibility="followers")
    assert str(hidden.id) not in ids(auth_client(alice).get("/api/v1/search", {"q": "members"}))
    follow_user(alice, bob)
    assert ids(auth_client(alice).get("/api/v1/search", {"q": "members"})) == [str(hidden.id)]


def test_caption_edit_updates_search(world, auth_client):
    from feed.services import update_video

    alice, bob, _, videos = world
    update_video(bob, videos["sunset"].id, caption="Morning fog")
    assert ids(auth_client(alice).get("/api/v1/search", {"q": "fog"})) == [str(videos["sunset"].id)]
    assert str(videos["sunset"].id) not in ids(
        auth_client(alice).get("/api/v1/search", {"q": "golden"})
    )


def test_user_search_prefix_and_typos(world, auth_client):
    alice, _, carol, _ = world
    client = auth_client(alice)
    rows = client.get("/api/v1/search", {"q": "bob_b", "type": "users"}).json()["results"]
    assert [r["handle"] for r in rows] == ["bob_builder"]
    assert "followed_by_me" in rows[0]
    # a typo in a handle, a display name
    assert [
        r["handle"]
        for r in client.get("/api/v1/search", {"q": "carrol", "type": "users"}).json()["results"]
    ] == ["carol"]
    assert [
        r["handle"]
        for r in client.get("/api/v1/search", {"q": "Liddell", "type": "users"}).json()["results"]
    ] == ["alice"]
    assert (
        client.get("/api/v1/search", {"q": "@carol", "type": "users"}).json()["results"][0][
            "handle"
        ]
        == "carol"
    )


def test_hashtag_search(world, auth_client):
    alice, _, _, _ = world
    client = auth_client(alice)
    client.post("/api/v1/hashtags/surf/follow")
    rows = client.get("/api/v1/search", {"q": "#su", "type": "hashtags"}).json()["results"]
    # prefix matches: "sunset" carries two videos, "surf" one
    assert [(r["tag"], r["video_count"]) for r in rows] == [("sunset", 2), ("surf", 1)]
    assert [r["followed_by_me"] for r in rows] == [False, True]
    rows = client.get("/api/v1/search", {"q": "sunsett", "type": "hashtags"}).json()["results"]
    assert [r["tag"] for r in rows] == ["sunset"]


def test_search_pages_follow_the_cursor_without_repeats(make_user, make_video, auth_client):
    viewer = make_user("viewer")
    author = make_user("author")
    made = [str(make_video(author, caption=f"kite flying {i}", likes=i).id) for i in range(7)]
    client = auth_client(viewer)
    url, seen = "/api/v1/search?q=kite&page_size=3", []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == list(reversed(made))  # equal relevance: the most liked first


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 1000},
    ],
)
def test_bad_queries_are_400_naming_q(params, user, auth_client):
    response = auth_client(user).get("/api/v1/search", params)
    assert response.status_code == 400
    assert "q" in response.json()


@pytest.mark.parametrize("q", ["-", "OR", "or", '""', "- - -", "-sunset", "!!!"])
@pytest.mark.parametrize("kind", ["videos", "users", "hashtags"])
def test_operator_only_queries_are_empty(q, kind, world, auth_client):
    alice = world[0]
    response = auth_client(alice).get("/api/v1/search", {"q": q, "type": kind})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_nul_and_bad_type_and_cursor_are_400(user, auth_client):
    client = auth_client(user)
    assert client.get("/api/v1/search?q=a%00b").status_code == 400
    response = client.get("/api/v1/search", {"q": "a", "type": "posts"})
    assert response.status_code == 400 and "type" in response.json()
    response = client.get("/api/v1/search", {"q": "a", "cursor": "forged"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_a_cursor_of_another_type_is_refused(world, auth_client):
    alice = world[0]
    client = auth_client(alice)
    nxt = client.get("/api/v1/search", {"q": "sunset", "page_size": 1}).json()["next"]
    cursor = nxt.split("cursor=")[1].split("&")[0]
    response = client.get("/api/v1/search", {"q": "sunset", "type": "users", "cursor": cursor})
    assert response.status_code == 400


def test_search_needs_sign_in(api_client):
    assert api_client.get("/api/v1/search", {"q": "x"}).status_code == 401


def test_search_queries_do_not_grow_with_the_page(
    world, make_video, auth_client, django_assert_max_num_queries
):
    alice, bob, _, _ = world
    for i in range(10):
        make_video(bob, caption=f"sunset number {i}")
    client = auth_client(alice)
    with django_assert_max_num_queries(6):
        assert len(ids(client.get("/api/v1/search", {"q": "sunset", "page_size": 12}))) == 12
    with django_assert_max_num_queries(3):
        client.get("/api/v1/search", {"q": "bo", "type": "users"})


def test_the_search_documents_popularity_class_follows_the_counters(world, make_user):
    """The trigger of migration 0003 keeps VideoDocument.popularity = ⌊4·log10(1 +
    engagement)⌋ through likes, unlikes and comments (the candidate order of video search)."""
    from discovery.models import VideoDocument
    from discovery.search import popularity_class
    from feed.models import Video
    from feed.services import add_comment, like_video, unlike_video

    alice, _, _, videos = world

    def stored(video):
        return VideoDocument.objects.get(video=video).popularity

    def expected(video):
        row = Video.objects.get(pk=video.pk)
        return popularity_class(row.like_count, row.comment_count, row.remix_count)

    popular = videos["sunset_popular"]  # 300 likes: ⌊4·log10(301)⌋ = 9
    assert stored(popular) == expected(popular) == 9
    city = videos["city"]  # one like: ⌊4·log10(2)⌋ = 1
    assert stored(city) == 1
    fans = [make_user(f"fan{i}") for i in range(3)]
    for fan in fans:  # 4 likes: ⌊4·log10(5)⌋ = 2
        like_video(fan, city.pk)
    assert stored(city) == expected(city) == 2
    add_comment(alice, city.pk, body="lovely")  # engagement 6: ⌊4·log10(7)⌋ = 3
    assert stored(city) == expected(city) == 3
    for fan in fans:  # engagement 3: ⌊4·log10(4)⌋ = 2
        unlike_video(fan, city.pk)
    assert stored(city) == expected(city) == 2
