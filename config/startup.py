"""What a web process does once the application is loaded, before it serves requests."""

import gc


def freeze_startup_objects() -> None:
    """Import every view now and move all objects alive at startup out of the collector's view.

    Django, DRF and the project leave ~130k long-lived objects behind. A full (generation 2)
    collection walks all of them, though they never become garbage: measured at the reference
    feed size, those pauses were 30–90 ms, one every ~100 first pages — they were the feed's
    p99 (84 → 30 ms in-process, bench/feed_phases.py). gc.freeze() is the CPython answer
    (made for this case, pre-fork servers); collection of new objects is unchanged.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import of every URLconf and view module
    import_task_modules()
    gc.collect()
    gc.freeze()


def import_task_modules() -> None:
    """Import every app's tasks module and Celery's producer machinery now, not inside the
    first request that enqueues a task: a web worker's first like (push delivery task) took
    ~230 ms for those imports, the like's p99 over 300 requests with 4 workers (issue 21).
    No broker connection is opened here (that stays lazy, ~25 ms once per process), so a
    web process starts with the broker down."""
    from config.celery import app

    app.loader.import_default_modules()
    app.finalize(auto=True)
    app.amqp.producer_pool  # noqa: B018 - builds the pool object (imports the transport)
