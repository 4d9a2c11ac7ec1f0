"""The names generation's Celery tasks are registered under: services enqueue by name
(`config.tasks.enqueue_on_commit`) and never import the tasks, which import the services."""

RUN_GENERATION_JOB = "generation.tasks.run_generation_job"
SWEEP_STALE_JOBS = "generation.tasks.sweep_stale_jobs"
REMOVE_UNPUBLISHED_VARIANTS = "generation.tasks.remove_unpublished_variants"
