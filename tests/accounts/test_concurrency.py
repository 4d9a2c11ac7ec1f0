"""Follow counters stay exact under real concurrency (PostgreSQL, separate connections)."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import Follow, User
from accounts.services.users import block_user, follow_user, unfollow_user

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def run_concurrently(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def worker(function):
        try:
            barrier.wait(timeout=10)
            function()
        except Exception as error:  # collected and re-raised in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_same_follow_sent_many_times_at_once_counts_once(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    run_concurrently([lambda: follow_user(alice, bob)] * 8)
    assert Follow.objects.count() == 1
    assert User.objects.get(pk=bob.pk).follower_count == 1
    assert User.objects.get(pk=alice.pk).following_count == 1
    run_concurrently([lambda: unfollow_user(alice, bob)] * 8)
    assert User.objects.get(pk=bob.pk).follower_count == 0
    assert User.objects.get(pk=alice.pk).following_count == 0


def test_many_followers_at_once_and_crossed_follows_do_not_deadlock(make_user):
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(8)]
    jobs = [lambda fan=fan: follow_user(fan, star) for fan in fans]
    jobs += [lambda fan=fan: follow_user(star, fan) for fan in fans]
    run_concurrently(jobs)
    star.refresh_from_db()
    assert (star.follower_count, star.following_count) == (8, 8)
    assert all(User.objects.get(pk=f.pk).follower_count == 1 for f in fans)


def test_block_racing_follow_leaves_counts_matching_rows(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    jobs = [lambda: follow_user(alice, bob), lambda: block_user(bob, alice)] * 3
    errors_ok = []

    def tolerant(job):
        def run():
            try:
                job()
            except Exception as error:  # follow after the block is a 404, which is fine here
                errors_ok.append(type(error).__name__)

        return run

    run_concurrently([tolerant(job) for job in jobs])
    assert set(errors_ok) <= {"NotFound"}
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert bob.follower_count == Follow.objects.filter(followee=bob).count()
    assert alice.following_count == Follow.objects.filter(follower=alice).count()


def test_same_handle_registered_at_once_creates_one_user():
    from rest_framework.exceptions import ValidationError

    from accounts.services.users import register_user

    outcomes = []

    def register(i):
        def run():
            try:
                register_user(
                    handle="Racer" if i % 2 else "racer",
                    email=f"r{i}@example.com",
                    password="correct-horse-battery",
                )
                outcomes.append("created")
            except ValidationError as error:
                assert "handle" in error.detail
                outcomes.append("taken")

        return run

    run_concurrently([register(i) for i in range(8)])
    assert sorted(outcomes) == ["created"] + ["taken"] * 7
    assert User.objects.filter(handle="racer").count() == 1
