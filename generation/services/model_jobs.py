"""Creating a job for a chosen model, with an optional reference image (issue 14).

Both create endpoints call `create_model_job`: the model (or the deployment's default) is
checked against what it can serve and the reference image against Pillow's limits and the
face check, all before create_job charges anything; the reference is stored only then, and
removed again when no new job came of the request (a refusal, or an Idempotency-Key replay).
"""

from __future__ import annotations

from generation.catalog import resolve_model
from generation.references import check_reference_image, remove_reference, store_reference
from generation.services.jobs import create_job, hash_request


def create_model_job(
    user,
    *,
    model: str | None = None,
    reference_upload=None,
    reference_field: str = "reference_image",
    reference_must_match_size: bool = False,
    create=create_job,
    **create_kwargs,
):
    """create_job (or `create`, e.g. variants' create_variants, which takes the same keywords
    and returns (what it made, created)) for `model`. 400s name `model`, `size`, `seconds`,
    `storyboard` or the reference field; nothing is stored or charged for them."""
    size = create_kwargs.get("size", "720x1280")
    shots = create_kwargs.get("storyboard") or []
    resolve_model(
        model,
        size=size,
        seconds=create_kwargs.get("seconds", 8),
        shots=len(shots) if isinstance(shots, list) else 0,
        reference_image=reference_upload is not None,
        reference_field=reference_field,
    )
    reference = None
    if reference_upload is not None:
        match = size if reference_must_match_size else ""
        reference = check_reference_image(reference_upload, field=reference_field, size=match)
    if reference and create_kwargs.get("request_hash"):
        # The same Idempotency-Key with another picture is another request (409).
        create_kwargs["request_hash"] = hash_request(
            [create_kwargs["request_hash"], reference.sha256]
        )
    record = store_reference(reference) if reference else None
    provenance = {**(create_kwargs.pop("extra_provenance", None) or {}), **(record or {})}
    try:
        job, created = create(user, extra_provenance=provenance or None, **create_kwargs)
    except BaseException:
        remove_reference(record)
        raise
    if not created:
        remove_reference(record)
    return job, created
