"""Names of accounts' Celery tasks, for config.tasks.enqueue_on_commit (services never import
tasks)."""

BUILD_EXPORT = "accounts.tasks.build_export_task"
