"""A job's C2PA manifest: what it says, signing a post-processed clip with it, reading it back.

    sign_clip(job, processed)   signs the original and every rendition MP4 in place
    stored_manifest(job)        -> ManifestReading | None, read from the stored original

The manifest (claim generator "Cutaway/<version>") holds the `c2pa.created` action with the
IPTC `trainedAlgorithmicMedia` digital source type and the model as its software agent, and a
`com.cutaway.generation` assertion with the provider, model, the prompt's SHA-256 (never the
prompt: the file is public, the prompt may not be), the handles of the cameos shown and the
parents. Parents are `provenance["parents"]` ({"job_id", "relation"}: remix, extension,
stitch_part) plus the remix source; each becomes an ingredient: the parent's own signed MP4
(its manifest is carried along) while the file gate still serves it, else an entry with only
its job id and title, so a taken-down parent's file is never copied into a child.

HLS segments are cut from the renditions before signing and are not signed themselves.
"""

from __future__ import annotations

import os
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from config.storage import open_file, servable_refs
from generation.c2pa_signing import (
    ManifestInvalid,
    ManifestReading,
    SigningConfigError,
    read_manifest,
    sign_file,
)
from generation.models import GenerationJob, JobCameo
from generation.services.publishing import job_file_ref

CLAIM_GENERATOR = "Cutaway"
CREATED = "c2pa.created"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATION_ASSERTION = "com.cutaway.generation"
RELATIONS = ("remix", "extension", "stitch_part")


def cutaway_version() -> str:
    try:
        return version("cutaway")
    except PackageNotFoundError:  # a checkout that was never pip-installed
        return "0.0.0"


def parent_refs(job: GenerationJob, provenance: dict) -> list[dict]:
    """[{"job_id", "relation"}]: the provenance's parents, and the remix source's job."""
    parents = [
        {"job_id": str(p["job_id"]), "relation": p.get("relation", "remix")}
        for p in provenance.get("parents") or []
        if p.get("job_id")
    ]
    if job.remix_of:
        source = GenerationJob.objects.filter(video__pk=job.remix_of).values_list("pk", flat=True)
        for job_id in source[:1]:
            if all(p["job_id"] != str(job_id) for p in parents):
                parents.append({"job_id": str(job_id), "relation": "remix"})
    return parents


def cameo_handles(job: GenerationJob) -> list[str]:
    """The handles of the cameos (people and characters) the job shows."""
    rows = JobCameo.objects.filter(job_id=job.pk).select_related("cameo__owner")
    return [row.cameo.mention for row in rows.order_by("created_at", "pk")]


def manifest_definition(
    job: GenerationJob, record: dict, *, handles: list[str], parents: list[dict], label: str
) -> dict:
    """The manifest for one MP4 of `job` (`label`: its rendition, e.g. 720p). `record` is the
    provenance embedded in the file (postprocess.embedded_provenance: prompt already hashed)."""
    agent = {"name": f"{job.provider}/{job.model}"}
    details = {
        "job_id": str(job.pk),
        "provider": job.provider,
        "model": job.model,
        "prompt_sha256": record.get("prompt_sha256", ""),
        "cameos": handles,
        "parents": parents,
        "rendition": label,
    }
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": cutaway_version()}],
        "title": f"Cutaway clip {job.pk} ({label})",
        "format": "video/mp4",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": CREATED,
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": agent,
                        }
                    ]
                },
            },
            {"label": GENERATION_ASSERTION, "data": details},
        ],
        "ingredients": [],
    }


def _ingredient(parent: dict) -> dict:
    return {
        "title": f"Cutaway clip {parent['job_id']} ({parent['relation']})",
        "format": "video/mp4",
        "relationship": "componentOf",
        "instance_id": f"cutaway:job:{parent['job_id']}",
    }


def _parent_ingredients(parents: list[dict], folder: Path) -> tuple[list, list[dict]]:
    """(file ingredients [(json, downloaded path)], entries without a file). A parent's MP4
    is used only while the file gate (servable_refs) still shows it."""
    ids = [p["job_id"] for p in parents]
    files = dict(
        GenerationJob.objects.filter(pk__in=ids, status=GenerationJob.Status.SUCCEEDED)
        .exclude(video_file="")
        .values_list("pk", "video_file")
    )
    shown = servable_refs(job_file_ref(job_id) for job_id in files)
    with_file, without = [], []
    for parent in parents:
        name = next((v for k, v in files.items() if str(k) == parent["job_id"]), None)
        if name and job_file_ref(parent["job_id"]) in shown:
            path = folder / f"parent-{parent['job_id']}.mp4"
            with open_file(name) as source, open(path, "wb") as target:
                for chunk in source.chunks():
                    target.write(chunk)
            with_file.append((_ingredient(parent), path))
        else:
            without.append(_ingredient(parent))
    return with_file, without


def sign_clip(job: GenerationJob, processed) -> None:
    """Sign the original and every rendition MP4 of `processed` (a postprocess.ProcessedClip)
    in place, read each back and check it validates, and set processed.sha256 to the signed
    original's hash. Raises ManifestInvalid (nothing may be published then)."""
    from c2pa import C2paError

    from generation.postprocess import file_sha256

    handles, parents = cameo_handles(job), parent_refs(job, processed.provenance)
    renditions = processed.renditions or []
    targets = [(r.label, Path(r.video_path)) for r in renditions]
    if not targets:
        targets = [("original", Path(processed.video_path))]
    with tempfile.TemporaryDirectory(prefix="cutaway-c2pa-") as tmp:
        with_file, without = _parent_ingredients(parents, Path(tmp))
        for label, path in targets:
            manifest = manifest_definition(
                job, processed.provenance, handles=handles, parents=parents, label=label
            )
            manifest["ingredients"] = without
            signed = Path(tmp) / f"signed-{label}.mp4"
            try:
                sign_file(path, signed, manifest, with_file)
            except (C2paError, SigningConfigError) as exc:
                raise ManifestInvalid(f"signing the {label} clip failed: {exc}") from None
            check_signed(signed, label)
            os.replace(signed, path)
    processed.sha256 = file_sha256(processed.video_path)


def check_signed(path: Path, label: str) -> ManifestReading:
    """Read `path` back with c2pa's Reader; ManifestInvalid unless its manifest validates."""
    reading = read_manifest(path)
    if reading is None:
        raise ManifestInvalid(f"the signed {label} clip has no manifest when read back")
    if not reading.valid:
        codes = ", ".join(f["code"] for f in reading.failures) or "no failure code"
        raise ManifestInvalid(
            f"the signed {label} clip reads back as {reading.state or 'unreadable'} ({codes})",
            reading,
        )
    return reading


def stored_manifest(job: GenerationJob) -> ManifestReading | None:
    """The manifest of the job's stored original MP4 (None: no file, or no manifest in it)."""
    if not job.video_file:
        return None
    with open_file(job.video_file) as handle:
        return read_manifest(handle)


def manifest_summary(reading: ManifestReading) -> dict:
    """What a moderator reads first: validity, who signed, what made it, what it came from."""
    active = reading.active
    assertions = {a.get("label"): a.get("data", {}) for a in active.get("assertions", [])}
    actions = (assertions.get("c2pa.actions.v2") or assertions.get("c2pa.actions") or {}).get(
        "actions", []
    )
    generators = active.get("claim_generator_info") or [{}]
    return {
        "state": reading.state,
        "failures": [f"{f.get('code')}: {f.get('explanation', '')}" for f in reading.failures],
        "claim_generator": " ".join(
            str(generators[0].get(key, "")) for key in ("name", "version")
        ).strip(),
        "signer": (active.get("signature_info") or {}).get("common_name", ""),
        "issuer": (active.get("signature_info") or {}).get("issuer", ""),
        "actions": [
            f"{a.get('action')} ({a.get('digitalSourceType', '').rsplit('/', 1)[-1]})"
            for a in actions
        ],
        "generation": assertions.get(GENERATION_ASSERTION, {}),
        "ingredients": [i.get("title", "") for i in active.get("ingredients", [])],
    }
