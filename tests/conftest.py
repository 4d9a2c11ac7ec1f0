import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from config.celery import app as celery_app


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Run tasks inline by default; the e2e tests start a real worker where it matters."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder and an empty cache (throttle counters live there)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db):
    from accounts.models import User

    counter = iter(range(1, 10_000))

    def _make_user(handle=None, password="correct-horse-battery", **extra):
        handle = handle or f"user{next(counter)}"
        return User.objects.create_user(handle, f"{handle}@example.com", password, **extra)

    return _make_user


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("bob")


@pytest.fixture
def auth_client():
    """`auth_client(user)` → an APIClient carrying that user's JWT access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    def _auth_client(user):
        client = APIClient()
        token = RefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return _auth_client
