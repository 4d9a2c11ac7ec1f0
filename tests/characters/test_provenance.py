"""A character shown in a clip is named in its signed C2PA manifest by its own handle (the one
prompts use), not by its owner's."""

import pytest

from tests.c2pa_clips import active, assertion, read_stored, render

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_manifest_names_the_character_by_its_handle(
    user, other_user, make_character, django_capture_on_commit_callbacks, tmp_path
):
    make_character(other_user, "biscuit", permission="everyone")
    job = render(
        user,
        "@biscuit chases a red kite on the beach",
        capture=django_capture_on_commit_callbacks,
        cameo_handles=["biscuit"],
    )
    assert job.status == "succeeded", (job.error_code, job.error_message)
    _, store, _ = read_stored(job.video_file, tmp_path)
    details = assertion(active(store), "com.cutaway.generation")
    assert details["cameos"] == ["biscuit"]
