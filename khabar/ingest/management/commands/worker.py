import argparse
import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django_tasks_db.backend import DatabaseBackend

from khabar.ingest.tasks import enqueue_due_sources, fetch_source_task, housekeeping_task
from khabar.search.tasks import repair_index_task
from khabar.stories.tasks import repair_enrichment_task

logger = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 6 * 3600  # seconds
SEARCH_REPAIR_EVERY = 5 * 60  # seconds; also at start, to repair what a crash left


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds < 86400:
        raise argparse.ArgumentTypeError("give a number of seconds between 0 and 86400")
    return seconds


def uses_database_queue() -> bool:
    """True when fetch jobs wait in the database for this worker (not run as they are enqueued)."""
    return isinstance(fetch_source_task.get_backend(), DatabaseBackend)


class Command(BaseCommand):
    help = "Runs background jobs and the scheduler that fetches due sources (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=positive_seconds,
            default=60.0,
            help="seconds between two looks for due sources (default: 60)",
        )
        parser.add_argument(
            "--once",
            "--batch",
            dest="once",
            action="store_true",
            help="enqueue the sources that are due, run every queued job, then exit",
        )

    def handle(self, *, interval: float, once: bool, **options):
        if once:
            self.run_once()
        elif uses_database_queue():
            self.run_forever(interval=interval)
        else:
            self.run_scheduler_only(interval=interval)

    def run_once(self) -> None:
        enqueued = enqueue_due_sources()
        repair_index_task.enqueue()
        repair_enrichment_task.enqueue()
        if uses_database_queue():
            run_queued_jobs(batch=True, interval=0)
        self.stdout.write(f"{enqueued} due source(s) fetched; the job queue is empty.")

    def run_forever(self, *, interval: float) -> None:
        stop = threading.Event()
        scheduler = threading.Thread(
            target=schedule_until, args=(stop,), kwargs={"interval": interval}, daemon=True
        )
        self.stdout.write(
            f"khabar worker: looking for due sources every {interval:g}s; Ctrl-C stops."
        )
        scheduler.start()
        try:
            # The job runner owns the main thread: it handles Ctrl-C (and SIGTERM) itself,
            # finishing the job in progress before it returns.
            run_queued_jobs(batch=False, interval=1)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            scheduler.join(timeout=5)
            self.stdout.write("khabar worker stopped.")

    def run_scheduler_only(self, *, interval: float) -> None:
        """Without a database queue jobs run as they are enqueued; only the scheduler loops."""
        self.stdout.write(
            f"khabar worker: looking for due sources every {interval:g}s; Ctrl-C stops."
        )
        try:
            schedule_until(threading.Event(), interval=interval)
        except KeyboardInterrupt:
            self.stdout.write("khabar worker stopped.")


def run_queued_jobs(*, batch: bool, interval: float) -> None:
    options = ["--queue-name", "*", "--no-reload", "--no-startup-delay"]
    options += ["--interval", str(interval)] + (["--batch"] if batch else [])
    try:
        call_command("db_worker", *options, verbosity=0)
    except SystemExit as exit_:
        # db_worker exits the process on Ctrl-C while idle; that is a clean stop here.
        if exit_.code not in (0, None):
            raise


def schedule_until(stop: threading.Event, *, interval: float) -> None:
    """Enqueue due sources now and every `interval` seconds until `stop` is set.

    Housekeeping is enqueued at start and then every HOUSEKEEPING_EVERY seconds; the search
    index repair and the enrichment repair at start and then every SEARCH_REPAIR_EVERY seconds.
    """
    last_housekeeping = last_repair = None
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                enqueue_due_sources()
                if (
                    last_housekeeping is None
                    or time.monotonic() - last_housekeeping > HOUSEKEEPING_EVERY
                ):
                    housekeeping_task.enqueue()
                    last_housekeeping = time.monotonic()
                if last_repair is None or time.monotonic() - last_repair > SEARCH_REPAIR_EVERY:
                    repair_index_task.enqueue()
                    repair_enrichment_task.enqueue()
                    last_repair = time.monotonic()
            except Exception:  # a locked or briefly unreachable database: try next time
                logger.exception("the scheduler could not enqueue due sources")
            stop.wait(interval)
    finally:
        connection.close()
