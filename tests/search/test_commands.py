"""`khabar search` and `khabar reindex`."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from khabar import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(backend, make_article):
    made = [
        make_article("انتخابات المجالس المحلية", "جرت انتخابات المجالس المحلية اليوم."),
        make_article("أمطار غزيرة", "توقعات بأمطار غزيرة على السواحل."),
    ]
    search.reindex()
    return made


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("search", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_one_query_as_json(articles):
    out, _err = run("مجالس محلية", "--format", "json", "--limit", "5")
    answer = json.loads(out)
    assert answer["query"] == "مجالس محلية"
    (result,) = answer["results"]
    assert set(result) == {"id", "url", "title", "score", "snippet"}
    assert result["id"] == articles[0].pk
    assert result["title"] == "انتخابات المجالس المحلية"
    assert result["url"] == articles[0].url
    assert result["score"] > 0
    assert "<mark>" not in result["snippet"]
    assert "المجالس المحلية" in result["snippet"]


def test_one_query_as_text(articles):
    out, _err = run("أمطار")
    assert out.startswith("1 results for أمطار")
    assert "أمطار غزيرة" in out


def test_a_file_of_queries_gives_json_lines(articles, tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        "\n".join(
            [
                json.dumps({"id": "q1", "query": "المجالس"}, ensure_ascii=False),
                "not json",
                "",
                json.dumps({"id": 2, "query": "أمطار OR المجالس"}, ensure_ascii=False),
                json.dumps({"id": 3}),
                json.dumps({"id": 4, "query": "-المجالس"}, ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    out, err = run("--queries", str(queries), "--format", "json", "--limit", "1")
    answers = [json.loads(line) for line in out.splitlines()]
    assert [answer["id"] for answer in answers] == ["q1", 2, 4]
    assert [len(answer["results"]) for answer in answers] == [1, 1, 0]
    assert "error" in answers[2]
    assert "line 2: invalid JSON; skipped" in err
    assert 'line 5: not an object with a "query" string; skipped' in err
    assert "line 6:" in err


def test_match_any_for_evaluation(articles):
    out, _err = run("المجالس السواحل", "--format", "json", "--match", "any")
    assert len(json.loads(out)["results"]) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "give a QUERY or --queries FILE"),
        (("x", "--queries", "f"), "give a QUERY or --queries FILE"),
        (("--queries", "/no/such/file"), "no such file"),
        (("x after:2024-99-99",), "is not a date"),
    ],
)
def test_bad_arguments_say_one_clear_line(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_bad_limit_is_refused(db):
    with pytest.raises(CommandError, match="from 1 to 1000"):
        run("x", "--limit", "0")


def test_reindex(backend, make_article):
    make_article("خبر", "نص")
    out = io.StringIO()
    call_command("reindex", "--quiet", stdout=out)
    assert out.getvalue().startswith(f"1 articles indexed ({backend})")
    assert search.query("خبر").total == 1
