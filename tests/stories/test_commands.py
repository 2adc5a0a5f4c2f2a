"""khabar import-jsonl (enriching), khabar stories, khabar reenrich and the worker's repair."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from khabar.articles.models import Article
from khabar.stories.models import Enrichment, Story, StoryArticle

from .reports import BANK, MATCH, START, STORM_A, STORM_B, STORM_C

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_clusterer")]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def line(report, *, source, slug, hours):
    title, text = report
    return json.dumps(
        {
            "url": f"https://{source}.example/{slug}",
            "title": title,
            "text": text,
            "source": source,
            "published": (START + timedelta(hours=hours)).isoformat(),
        },
        ensure_ascii=False,
    )


@pytest.fixture
def news_file(tmp_path):
    path = tmp_path / "news.jsonl"
    lines = [
        line(STORM_B, source="wadi", slug="storm", hours=1),
        line(MATCH, source="sahil", slug="derby", hours=0.5),
        line(STORM_A, source="sahil", slug="storm", hours=0),
        line(BANK, source="nahar", slug="rates", hours=30),
        line(STORM_C, source="nahar", slug="schools", hours=20),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stories_json(*args) -> list[dict]:
    out, _err = run("stories", "--format", "json", *args)
    return json.loads(out)["stories"]


def test_import_jsonl_enriches_what_it_loads(news_file):
    out, _err = run("import-jsonl", str(news_file))
    assert "5 read, 5 stored" in out
    assert "5 enriched, 0 failed" in out
    assert StoryArticle.objects.count() == 5
    assert set(Enrichment.objects.values_list("status", flat=True)) == {"done"}
    stories = stories_json()
    assert len(stories) == 3
    storm = stories[0]
    assert set(storm) == {"id", "headline", "first_seen", "articles"}
    assert storm["first_seen"] == START.isoformat()
    assert [article["source"] for article in storm["articles"]] == ["sahil", "wadi", "nahar"]
    first = storm["articles"][0]
    assert first == {
        "url": "https://sahil.example/storm",
        "title": STORM_A[0],
        "source": "sahil",
        "published": START.isoformat(),
    }
    assert [len(story["articles"]) for story in stories] == [3, 1, 1]


def test_import_jsonl_no_enrich_leaves_it_to_the_worker(
    news_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        out, _err = run("import-jsonl", str(news_file), "--no-enrich")
    assert "enriched" not in out
    assert not StoryArticle.objects.exists() and not Enrichment.objects.exists()
    for callback in callbacks:  # the worker's jobs: index, then enrich
        callback()
    assert StoryArticle.objects.count() == 5


def test_stories_since_keeps_the_stories_active_since_then(news_file):
    run("import-jsonl", str(news_file))
    later = stories_json("--since", (START + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M"))
    assert [story["headline"] for story in later][-1] == BANK[0]
    assert len(later) == 2  # the snow story (its third report came at 20 h) and the bank
    assert stories_json("--since", "2030-01-01") == []
    assert len(stories_json("--since", "2026-01-12")) == 3


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "12/01/2026", ""])
def test_a_bad_since_date_is_one_clear_error(value):
    with pytest.raises(CommandError, match="--since: .* is not a date; write it as YYYY-MM-DD"):
        run("stories", "--since", value)


def test_stories_as_text(news_file):
    run("import-jsonl", str(news_file))
    out, _err = run("stories")
    assert "3 articles, 3 sources\t" + STORM_A[0] in out or "3 sources" in out
    assert out.strip().endswith("3 stories")


def test_reenrich_command(news_file):
    run("import-jsonl", str(news_file), "--no-enrich")
    out, _err = run("reenrich", "--quiet")
    assert "5 articles enriched, 0 failed" in out
    assert Story.objects.filter(article_count=3).count() == 1
    out, _err = run("reenrich", "--since", "2026-01-13", "--quiet")
    assert "2 articles enriched" in out  # the third snow report and the bank
    assert Story.objects.filter(article_count=3).count() == 1


def test_reenrich_rejects_a_bad_date_and_batch_size():
    with pytest.raises(CommandError, match="--since"):
        run("reenrich", "--since", "soon")
    with pytest.raises(CommandError, match="--batch-size"):
        run("reenrich", "--batch-size", "0")


# db_worker closes its database connection between jobs, which a test wrapped in one
# transaction cannot survive on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_worker_repairs_lost_enrichment_jobs(news_file, settings):
    settings.TASKS = DATABASE_QUEUE
    run("import-jsonl", str(news_file), "--no-enrich")
    lost = DBTaskResult.objects.filter(task_path__endswith="enrich_articles_task")
    assert lost.count() == 1
    lost.delete()
    Article.objects.update(created_at=START)  # stored a while ago
    call_command("worker", "--once", stdout=io.StringIO())
    assert StoryArticle.objects.count() == 5
    repair = DBTaskResult.objects.get(task_path__endswith="repair_enrichment_task")
    assert repair.status == "SUCCESSFUL"
    assert repair.return_value["enriched"] == 5


def test_enriched_articles_are_found_by_topic_and_entity(
    news_file, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.KHABAR_SEARCH_DIR = tmp_path / "search"
    with django_capture_on_commit_callbacks(execute=True):  # the worker's indexing jobs
        run("import-jsonl", str(news_file))
    out, _err = run("search", "topic:sport", "--format", "json")
    assert [result["title"] for result in json.loads(out)["results"]] == [MATCH[0]]
    out, _err = run("search", "entity:عمّان", "--format", "json", "--sort", "date")
    titles = [result["title"] for result in json.loads(out)["results"]]
    assert titles == [STORM_C[0], STORM_B[0], STORM_A[0]]
    out, _err = run("search", "الثلوج -كيان:الأردن", "--format", "json")
    assert [result["title"] for result in json.loads(out)["results"]] == [STORM_B[0]]
