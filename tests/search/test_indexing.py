"""Keeping the index in step: jobs after storing, repair after a crash, rebuilds."""

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from khabar import search
from khabar.articles.models import Article
from khabar.ingest.jsonl import ImportRun, import_lines
from khabar.ingest.management.commands import worker
from khabar.ingest.pipeline import process_article
from khabar.ingest.records import ExtractedArticle
from khabar.search import indexing
from khabar.search.backend import IndexBusy, get_backend
from khabar.search.tasks import index_articles_task

pytestmark = pytest.mark.django_db


def found(text):
    return [hit.article_id for hit in search.query(text).results]


def item(title, text, url):
    return ExtractedArticle(title=title, text=text, url=url, language="ar")


def indexed_ids(backend_name=None):
    return get_backend(backend_name).ids_between(0, 10**9)


# --- Indexing right after storing ----------------------------------------------------------


def test_an_article_stored_by_the_pipeline_is_searchable_at_once(
    backend, source, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article, _outcome = process_article(
            source, item=item(COUNCILS, "انتخابات المجالس المحلية اليوم.", "https://b.example/1")
        )
    assert found("مجالس محلية") == [article.pk]


def test_an_update_through_the_pipeline_is_searchable_at_once(
    backend, source, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = process_article(source, item=item("خبر", "نص أول.", "https://b.example/2"))
    with django_capture_on_commit_callbacks(execute=True):
        process_article(source, item=item("خبر", "نص ثان عن الزراعة.", "https://b.example/2"))
    assert found("الزراعة") == [article.pk]


def test_imported_lines_are_searchable_and_updates_too(backend, django_capture_on_commit_callbacks):
    line = {"url": "https://imp.example/a", "title": "المجالس المحلية", "text": "نص قديم"}
    with django_capture_on_commit_callbacks(execute=True):
        import_lines([(1, json.dumps(line).encode())], run=ImportRun(), default_source="import")
    (article,) = Article.objects.all()
    assert found("والمجالس") == [article.pk]
    line["text"] = "نص جديد عن الميزانية"
    with django_capture_on_commit_callbacks(execute=True):
        import_lines([(1, json.dumps(line).encode())], run=ImportRun(), default_source="import")
    assert found("الميزانية") == [article.pk]


def test_nothing_is_indexed_before_the_transaction_commits(
    backend, source, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        process_article(source, item=item("خبر", "نص عن الزراعة.", "https://b.example/3"))
    assert found("الزراعة") == []
    assert len(callbacks) == 2  # indexing, and enrichment (which indexes again)


# --- Repair after a crash ------------------------------------------------------------------

COUNCILS = "انتخابات المجالس المحلية"


@pytest.fixture
def built(backend, make_article):
    """An index built and checked once, as after the worker's first repair."""
    article = make_article("خبر قديم", "نص قديم عن الطرق.")
    search.reindex()
    return article


def test_a_crash_between_storing_and_indexing_is_repaired(built, make_article):
    # Stored and committed, but the index job never ran (the process died before it).
    article = make_article(COUNCILS, "نص عن المجالس المحلية.")
    assert found("المجالس") == []
    report = search.repair_index()
    assert (report["rebuilt"], report["reindexed"]) == (0, 1)
    assert found("المجالس") == [article.pk]
    assert search.repair_index()["reindexed"] == 0  # nothing left to do


def test_a_crash_while_indexing_is_repaired(built, make_article, monkeypatch):
    article = make_article(COUNCILS, "نص عن المجالس المحلية.")

    def crash(record):
        raise OSError("disk full")

    monkeypatch.setattr(indexing, "analyzed", crash)
    with pytest.raises(OSError):
        search.index_articles([article.pk])
    monkeypatch.undo()
    assert found("المجالس") == []
    search.repair_index()
    assert found("المجالس") == [article.pk]


def test_a_lost_update_is_repaired(built):
    Article.objects.filter(pk=built.pk).update(text="نص جديد عن الجسور", updated_at=timezone.now())
    assert found("الجسور") == []
    assert search.repair_index()["reindexed"] == 1
    assert found("الجسور") == [built.pk]


def test_a_deleted_article_leaves_the_index_at_the_next_repair(built):
    deleted_id = built.pk
    Article.objects.filter(pk=deleted_id).delete()
    search.repair_index()
    assert deleted_id not in indexed_ids()


def test_an_article_committed_long_after_its_timestamp_is_found(built, make_article):
    # Its updated_at is older than the watermark and its overlap: only the id check finds it.
    late = make_article("خبر متأخر", "نص عن القطارات.")
    old = timezone.now() - indexing.REPAIR_OVERLAP - timedelta(hours=1)
    Article.objects.filter(pk=late.pk).update(updated_at=old)
    assert search.repair_index()["reindexed"] == 1
    assert found("القطارات") == [late.pk]


def test_a_changed_analyzer_rebuilds_the_index(built, monkeypatch):
    monkeypatch.setattr(indexing, "analysis_fingerprint", lambda: "another analyzer")
    assert search.repair_index()["rebuilt"] == 1


def test_without_an_index_the_repair_builds_one(backend, make_article):
    article = make_article(COUNCILS, "نص.")
    assert search.repair_index()["rebuilt"] == 1
    assert found("المجالس") == [article.pk]


def test_the_worker_schedules_the_repair(monkeypatch):
    stop = threading.Event()
    enqueued = []

    class FakeTask:
        @staticmethod
        def enqueue():
            enqueued.append("repair")
            stop.set()

    monkeypatch.setattr(worker, "enqueue_due_sources", lambda: 0)
    monkeypatch.setattr(worker, "repair_index_task", FakeTask)
    worker.schedule_until(stop, interval=0.01)
    assert enqueued == ["repair"]


# --- The tantivy index on disk -------------------------------------------------------------


@pytest.fixture
def tantivy(settings):
    settings.KHABAR_SEARCH_BACKEND = "tantivy"


def generations(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.glob("index-*"))


def test_a_rebuild_replaces_the_old_index(tantivy, make_article, search_dir):
    article = make_article(COUNCILS, "نص.")
    search.reindex()
    first = generations(search_dir)
    search.reindex()
    second = generations(search_dir)
    assert len(first) == len(second) == 1
    assert first != second
    assert (search_dir / "CURRENT").read_text() == second[0]
    assert found("المجالس") == [article.pk]


def test_a_search_before_any_index_says_so(tantivy, db):
    page = search.query("المجالس")
    assert page.notices[0].code == search.NOT_READY
    assert page.results == []


def test_a_busy_index_leaves_the_work_to_the_repair(tantivy, make_article, monkeypatch):
    from khabar.search import _tantivy

    article = make_article(COUNCILS, "نص.")
    search.reindex()
    monkeypatch.setattr(_tantivy, "LOCK_WAIT_SECONDS", 0.3)
    backend = get_backend()
    with backend.writer():  # another process holding the lock
        assert index_articles_task.call([article.pk]) == {"busy": True}
        with pytest.raises(IndexBusy):
            search.index_articles([article.pk])


def test_a_misconfigured_backend_says_what_to_do(settings, db):
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connection

    from khabar.search.backend import backend_name

    settings.KHABAR_SEARCH_BACKEND = "elastic"
    with pytest.raises(ImproperlyConfigured, match="choose one of tantivy, postgres"):
        backend_name()
    if connection.vendor != "postgresql":
        settings.KHABAR_SEARCH_BACKEND = "postgres"
        with pytest.raises(ImproperlyConfigured, match="needs a PostgreSQL database"):
            backend_name()


# --- Bulk indexing: analysis in other processes ----------------------------------------------


def test_analysis_in_another_process_gives_the_same_documents(db, make_article, monkeypatch):
    monkeypatch.setattr(indexing, "BATCH_SIZE", 3)
    articles = [make_article(f"خبر رقم {n}", f"نص عن المجالس المحلية رقم {n}.") for n in range(8)]
    articles.append(make_article("بلا نص", summary="<p>ملخص عن <b>الطرق</b></p>"))
    ids = [article.pk for article in articles] + [10**6]  # the last one is not stored
    in_process = list(indexing.analyzed_chunks(ids, processes=0))
    beside = list(indexing.analyzed_chunks(ids, processes=1))
    assert beside == in_process
    assert [chunk for chunk, _documents in beside] == [ids[:3], ids[3:6], ids[6:9], ids[9:]]
    documents = {document.article_id: document for _chunk, found in beside for document in found}
    assert set(documents) == set(ids[:-1])
    assert documents[articles[-1].pk].words[-2:] == ["ملخص", "طرق"]  # the summary, untagged


def test_a_large_rebuild_analyzes_in_other_processes(tantivy, make_article, monkeypatch):
    monkeypatch.setattr(indexing, "BULK_MIN", 2)
    used = []
    original = indexing.analyzed_chunks

    def spying(ids, *, processes=0):
        used.append(processes)
        return original(ids, processes=processes)

    monkeypatch.setattr(indexing, "analyzed_chunks", spying)
    monkeypatch.setattr(indexing.os, "sched_getaffinity", lambda pid: {0, 1})
    first = make_article(COUNCILS, "نص عن المجالس.")
    second = make_article("أمطار", "أمطار غزيرة على السواحل.")
    assert search.reindex() == 2
    assert search.index_articles([first.pk, second.pk, 10**6]) == {"indexed": 2, "removed": 1}
    assert used == [1, 1]
    assert found("المجالس") == [first.pk]
    assert found("السواحل") == [second.pk]


def test_a_failing_analysis_process_leaves_the_old_index(tantivy, make_article, monkeypatch):
    article = make_article(COUNCILS, "نص عن المجالس.")
    search.reindex()
    monkeypatch.setattr(indexing, "analysis_processes", lambda count: 1)
    monkeypatch.setattr(indexing, "index_texts_many", int)  # raises TypeError in the process
    with pytest.raises(TypeError):
        search.reindex()
    assert found("المجالس") == [article.pk]
