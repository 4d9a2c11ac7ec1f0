import pytest
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.openapi import SchemaChecker, live_document

# Property tests judge the rule, not the machine: on a loaded 2-core box input generation can
# take longer than Hypothesis' health check allows, and one example longer than its deadline.
hypothesis_settings.register_profile(
    "cutaway", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("cutaway")


class SchemaCheckedAPIClient(APIClient):
    """An APIClient whose every response is checked against the live OpenAPI document."""

    def __init__(self, checker: SchemaChecker, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema_checker = checker

    def request(self, **request):
        response = super().request(**request)
        self.schema_checker.check(request["REQUEST_METHOD"], request["PATH_INFO"], response)
        return response


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


@pytest.fixture(scope="session")
def schema_checker(django_db_setup, django_db_blocker):
    """The OpenAPI document of the code under test, generated once per session."""
    with django_db_blocker.unblock():
        return SchemaChecker(live_document())


@pytest.fixture
def api_client(schema_checker):
    """An anonymous client; each response is validated against the OpenAPI document."""
    return SchemaCheckedAPIClient(schema_checker)


@pytest.fixture
def make_user(db):
    """`make_user(handle=None, password=..., **fields)` → a user (tests/factories.UserFactory)."""
    from tests.factories import PASSWORD, UserFactory

    UserFactory.reset_sequence()  # unnamed users are user1, user2... in every test

    def _make_user(handle=None, password=PASSWORD, **extra):
        if handle is not None:
            extra["handle"] = handle
        return UserFactory(password=password, **extra)

    return _make_user


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("bob")


@pytest.fixture
def auth_client(schema_checker):
    """`auth_client(user)` → a client carrying that user's JWT access token; each response
    is validated against the OpenAPI document."""
    from rest_framework_simplejwt.tokens import AccessToken

    def _auth_client(user):
        client = SchemaCheckedAPIClient(schema_checker)
        # An access token alone: a refresh token would write an OutstandingToken row,
        # which query budgets around `auth_client(user).get(...)` would count.
        token = AccessToken.for_user(user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return _auth_client


@pytest.fixture(scope="session")
def _moto_server():
    """One moto S3 server (real HTTP on a free loopback port) for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, _moto_server):
    """Point default storage at a fresh, empty bucket on the moto server; yields the endpoint.

    Assigning settings.STORAGES sends `setting_changed`, whose Django receiver drops the
    cached `default_storage` / `storages` backends, so code under test sees S3 at once
    (and the local backend again after the test, when the fixture restores the setting).
    """
    import urllib.request

    import boto3

    endpoint = _moto_server
    # Forget every bucket and object the previous test left behind.
    urllib.request.urlopen(  # noqa: S310 - loopback moto endpoint
        urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10
    ).close()
    bucket = "cutaway-test"
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "addressing_style": "path",
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 3600,
        "file_overwrite": False,
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    yield endpoint
