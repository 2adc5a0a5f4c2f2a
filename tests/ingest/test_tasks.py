"""The scheduler and the worker: due sources enqueued once, fetched by the worker, lost jobs
retried after their lease, Ctrl-C a clean stop."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from khabar.articles.models import Article
from khabar.ingest.tasks import enqueue_due_sources, fetch_source_task, housekeeping_task
from khabar.sources.models import Source, SourceLine

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def served_feed(httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        (FEEDS / "rss2.xml").read_bytes(), content_type="application/rss+xml"
    )
    return httpserver.url_for("/feed")


@pytest.fixture
def due_source(served_feed):
    return Source.objects.create(url=served_feed)


def test_due_sources_are_fetched_and_others_left_alone(due_source, httpserver):
    Source.objects.create(
        url=httpserver.url_for("/later"), next_check_at=timezone.now() + timedelta(hours=1)
    )
    Source.objects.create(url=httpserver.url_for("/off"), enabled=False)
    Source.objects.create(kind=Source.Kind.FILE, name="saved pages")
    assert enqueue_due_sources() == 1
    assert Article.objects.count() == 2
    assert enqueue_due_sources() == 0  # next check is an interval away now


def test_a_due_source_is_enqueued_only_once(due_source, settings):
    settings.TASKS = DATABASE_QUEUE
    assert enqueue_due_sources() == 1
    assert enqueue_due_sources() == 0  # a second scheduler finds it reserved
    assert DBTaskResult.objects.count() == 1


def test_a_lost_job_makes_the_source_due_again_after_the_lease(due_source, settings):
    settings.TASKS = DATABASE_QUEUE
    now = timezone.now()
    assert enqueue_due_sources(now=now) == 1
    later = now + timedelta(seconds=settings.KHABAR_FETCH_LEASE + 1)
    assert enqueue_due_sources(now=later) == 1
    assert DBTaskResult.objects.count() == 2


# db_worker closes its database connection between jobs, which a test wrapped in one
# transaction cannot survive on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_worker_once_drains_the_database_queue(due_source, settings):
    settings.TASKS = DATABASE_QUEUE
    call_command("worker", "--once", stdout=io.StringIO())
    assert Article.objects.count() == 2
    result = DBTaskResult.objects.get(task_path__endswith="fetch_source_task")
    assert result.status == "SUCCESSFUL"
    assert result.return_value["created"] == 2
    # Storing enqueued the search index's update; --once also ran the index repair.
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_worker_once_runs_jobs_directly_without_a_database_queue(due_source, capsys):
    call_command("worker", "--once")
    assert "1 due source(s) fetched" in capsys.readouterr().out
    assert Article.objects.count() == 2


def test_the_task_reports_a_deleted_source():
    assert fetch_source_task.call(12345) == {"source_id": 12345, "outcome": "deleted"}


def test_the_task_reports_what_it_did(due_source):
    report = fetch_source_task.call(due_source.pk)
    assert (report["outcome"], report["created"]) == ("fetched", 2)


def test_the_worker_rejects_a_bad_interval():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a number of seconds"):
        call_command("worker", "--interval", "soon")


@pytest.mark.slow
def test_ctrl_c_stops_the_worker_cleanly(tmp_path):
    env = {
        **os.environ,
        "KHABAR_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "khabar.settings",
        "KHABAR_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "khabar.cli", "worker", "--interval", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = worker.stdout.readline()
        assert "khabar worker" in first_line
        time.sleep(0.3)
        worker.send_signal(signal.SIGINT)
        stdout, stderr = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "stopped" in stdout


def test_housekeeping_forgets_rare_old_lines_and_keeps_learned_ones():
    source = Source.objects.create(url="https://example.org/rss", name="مثال")
    SourceLine.objects.create(source=source, fingerprint="rare", text="سطر نادر", article_count=1)
    SourceLine.objects.create(source=source, fingerprint="menu", text="اقرأ أيضاً", article_count=50)
    SourceLine.objects.update(last_seen_at=timezone.now() - timedelta(days=60))

    result = housekeeping_task.enqueue()

    assert result.return_value == {"forgotten_lines": 1}
    assert list(SourceLine.objects.values_list("fingerprint", flat=True)) == ["menu"]
