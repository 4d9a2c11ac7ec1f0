"""Give videos rendered before renditions existed their 480p rendition and HLS (issue 15).

    manage.py backfill_renditions [--limit N] [--job UUID ...]

Idempotent: a job that has renditions is skipped, so the command can be re-run (or run by two
machines at once: the job row is locked when the rows are written, and the loser removes what
it stored). Jobs whose files may no longer be shown (taken down, removed, deleted) are skipped
too: a takedown must not grow new files.
"""

from django.core.management.base import BaseCommand

from generation.services.renditions import backfill_job_renditions, jobs_missing_renditions


class Command(BaseCommand):
    help = "Encode the missing renditions and HLS of succeeded jobs (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many jobs.")
        parser.add_argument("--job", action="append", default=[], help="Only this job id.")

    def handle(self, *args, limit, job, **options):
        ids = job or jobs_missing_renditions(limit)
        done = skipped = failed = 0
        for job_id in ids:
            try:
                if backfill_job_renditions(job_id):
                    done += 1
                else:
                    skipped += 1
            except Exception as exc:  # one bad clip must not stop the backfill
                failed += 1
                self.stderr.write(f"job {job_id}: {type(exc).__name__}: {exc}")
        self.stdout.write(f"renditions backfilled: {done}, skipped: {skipped}, failed: {failed}")
