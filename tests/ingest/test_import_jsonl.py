import gzip
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from khabar.articles.models import Article
from khabar.ingest.jsonl import (
    ImportRun,
    RejectedLine,
    create_articles,
    import_lines,
    import_source_ids,
    row_from_line,
    store_rows,
)
from khabar.ingest.records import ExtractedArticle
from khabar.ingest.store import store_article
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "jsonl"
GOOD = FIXTURES / "good.jsonl"
DUPLICATES = FIXTURES / "duplicates.jsonl"
BAD = FIXTURES / "bad.jsonl"


def import_file(path, *extra):
    """Run the command like a person would; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import-jsonl", str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def numbered(*lines: bytes):
    return list(enumerate(lines, start=1))


def test_good_lines_are_stored_with_their_fields():
    out, _err = import_file(GOOD)

    assert "4 read, 4 stored, 0 updated, 0 duplicates, 0 rejected, 0 warnings" in out
    wheat = Article.objects.get(title="ارتفاع أسعار القمح في الأسواق المحلية")
    assert wheat.source.name == "أخبار المثال"
    assert wheat.source.kind == Source.Kind.IMPORT
    assert wheat.summary == "زيادة أسبوعية في أسعار القمح قبل رمضان."
    assert wheat.author == "سارة علي"
    assert wheat.category == "economy"
    assert wheat.language == "ar"
    assert wheat.published_at == datetime(2026, 3, 1, 5, 30, tzinfo=UTC)
    assert wheat.text.count("\n") == 1  # blank lines between paragraphs are not paragraphs
    assert wheat.html.count("<p>") == 2


def test_ant_corpus_fields_are_understood():
    import_file(GOOD)

    cup = Article.objects.get(url="http://riyada.example/news/2026/03/02/نهائي-الكأس")
    assert cup.published_at == datetime(2026, 3, 2, 17, 35, 43, tzinfo=UTC)  # "time", +0400
    assert cup.summary == "فوز مستحق في نصف النهائي."  # "abstract"
    assert cup.source.name == "رياضة المثال"
    assert cup.author == ""


def test_text_becomes_escaped_paragraphs():
    import_file(GOOD)

    fair = Article.objects.get(url__contains="culture")
    assert "&lt;الرواية&gt; &amp; الشعر" in fair.html
    assert "<الرواية>" in fair.text
    assert fair.published_at.date().isoformat() == "2026-03-03"  # "date"


def test_english_text_is_marked_english_and_author_lists_are_joined():
    import_file(GOOD)

    rain = Article.objects.get(url="https://news.example/en/2026/03/04/rain")
    assert rain.language == "en"
    assert rain.author == "Ann Lee, Omar Haddad"


def test_import_sources_are_created_once():
    import_file(GOOD)
    import_file(DUPLICATES)

    names = sorted(Source.objects.filter(kind=Source.Kind.IMPORT).values_list("name", flat=True))
    assert names == ["Example News", "أخبار المثال", "رياضة المثال", "مرآة المثال"]


def test_importing_again_stores_nothing_new():
    import_file(GOOD)
    out, _err = import_file(GOOD)

    assert "4 read, 0 stored, 0 updated, 4 duplicates, 0 rejected" in out
    assert Article.objects.count() == 4


def test_duplicates_by_url_and_by_text_are_stored_once():
    out, _err = import_file(DUPLICATES)

    assert "4 read, 2 stored, 0 updated, 2 duplicates" in out
    bridge = Article.objects.get(title="افتتاح جسر جديد فوق النهر")
    assert bridge.category == "local"  # the first line wins inside one import
    assert not Article.objects.filter(url__startswith="https://mirror.example").exists()


def test_duplicates_are_found_whatever_the_batch_boundaries():
    for batch_size in ("1", "2", "3"):
        Article.objects.all().delete()
        out, _err = import_file(DUPLICATES, "--batch-size", batch_size)
        assert "2 stored, 0 updated, 2 duplicates" in out, batch_size


def test_a_changed_title_updates_the_stored_article(tmp_path):
    import_file(GOOD)
    changed = tmp_path / "changed.jsonl"
    changed.write_text(
        GOOD.read_text(encoding="utf-8").replace(
            "افتتاح معرض الكتاب بمشاركة مئة دار نشر", "افتتاح معرض الكتاب بمشاركة مئة وعشر دور نشر"
        ),
        encoding="utf-8",
    )
    out, _err = import_file(changed)

    assert "0 stored, 1 updated, 3 duplicates" in out
    fair = Article.objects.get(url__contains="culture")
    assert fair.title == "افتتاح معرض الكتاب بمشاركة مئة وعشر دور نشر"
    assert fair.previous_titles == ["افتتاح معرض الكتاب بمشاركة مئة دار نشر"]


def test_bad_lines_are_reported_with_their_numbers():
    out, err = import_file(BAD)

    assert "7 read, 2 stored, 0 updated, 0 duplicates, 5 rejected, 1 warnings" in out
    assert "line 2: rejected: invalid JSON" in err
    assert "line 3: rejected: not a JSON object but an array" in err
    assert "line 4: rejected: missing url" in err
    assert "line 5: rejected: missing title" in err
    assert "line 6: rejected: bad url 'ftp://" in err
    assert "line 8: warning: unparseable date 'ذات يوم من الأيام'; stored without a date" in err


def test_an_unreadable_date_is_stored_without_a_date():
    import_file(BAD)

    assert Article.objects.get(title="خبر بتاريخ غير مفهوم").published_at is None


def test_a_line_that_is_not_utf8_is_rejected_and_the_rest_stored(tmp_path):
    mixed = tmp_path / "mixed.jsonl"
    good = GOOD.read_bytes().splitlines(keepends=True)
    mixed.write_bytes(good[0] + b'{"url": "https://x.example/\xff\xfe", "title": "x"}\n' + good[1])

    out, err = import_file(mixed)

    assert "line 2: rejected: not UTF-8 (byte 28)" in err
    assert "3 read, 2 stored" in out


def test_a_binary_file_is_rejected_line_by_line_without_a_crash(tmp_path):
    binary = tmp_path / "picture.jsonl"
    binary.write_bytes(bytes(range(256)) * 4)

    out, err = import_file(binary)

    assert "0 stored" in out
    assert "rejected: not UTF-8" in err


def test_gzip_input_is_read_whatever_its_name(tmp_path):
    for name in ("good.jsonl.gz", "good-without-suffix.jsonl"):
        compressed = tmp_path / name
        compressed.write_bytes(gzip.compress(GOOD.read_bytes()))
        Article.objects.all().delete()
        out, _err = import_file(compressed)
        assert "4 read, 4 stored" in out


def test_a_truncated_gzip_keeps_what_was_read_and_says_so(tmp_path):
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(gzip.compress(GOOD.read_bytes() * 20)[:-200])

    with pytest.raises(CommandError, match="unreadable after line"):
        import_file(damaged)
    assert Article.objects.count() == 4


def test_stdin_is_read_for_a_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.read_bytes())))
    out, _err = import_file("-")

    assert "4 read, 4 stored" in out


def test_source_option_names_the_source_of_lines_without_one(tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text(
        '{"url": "https://wire.example/1", "title": "خبر عاجل", "text": "نص الخبر العاجل."}\n',
        encoding="utf-8",
    )
    import_file(path)
    assert Article.objects.get().source.name == "wire"

    Article.objects.all().delete()
    import_file(path, "--source", "وكالة المثال")
    assert Article.objects.get().source.name == "وكالة المثال"


def test_missing_file_and_directory_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_file(tmp_path / "missing.jsonl")
    with pytest.raises(CommandError, match="is a directory"):
        import_file(tmp_path)


def test_an_interrupted_import_keeps_its_batches_and_a_rerun_completes_it():
    lines = GOOD.read_bytes().splitlines(keepends=True)

    def interrupted():
        yield from numbered(*lines[:3])
        raise KeyboardInterrupt

    run = ImportRun()
    with pytest.raises(KeyboardInterrupt):
        import_lines(interrupted(), run=run, default_source="x", batch_size=2)
    assert (run.stats.stored, Article.objects.count()) == (2, 2)

    rerun = import_lines(numbered(*lines), run=ImportRun(), default_source="x", batch_size=2)
    assert (rerun.stored, rerun.duplicates, Article.objects.count()) == (2, 2, 4)


def test_rows_stored_meanwhile_by_another_writer_count_as_duplicates():
    rows = [
        row_from_line(line, line_number=number, default_source="x")
        for number, line in numbered(*GOOD.read_bytes().splitlines())
    ]
    source = Source.objects.create(url="https://akhbar.example/feed", name="feed")
    store_article(source, item=ExtractedArticle(title="t", text="other", url=rows[0].fields["url"]))
    source_ids = import_source_ids({row.source_name for row in rows}, known={})

    assert len(create_articles(rows, source_ids=source_ids)) == 3
    assert Article.objects.count() == 4


def test_a_line_remembered_by_digest_alone_is_still_stored():
    rows = [
        row_from_line(line, line_number=number, default_source="x")
        for number, line in numbered(*GOOD.read_bytes().splitlines())
    ]
    run = ImportRun(seen=set().union(*(row.short_keys() for row in rows)))

    store_rows(rows, run=run)

    assert (run.stats.stored, Article.objects.count()) == (4, 4)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"url": "https://x.example/1", "title": {"ar": "x"}}', "title is an object, not text"),
        (b'{"url": "https://x.example/1", "title": "   "}', "missing title"),
        (b'{"url": "/relative/path", "title": "x"}', "bad url '/relative/path'"),
        (b'{"url": "https://[::1/x", "title": "x"}', "bad url"),
        (b'{"url": "https://x.example/a b", "title": "x"}', "bad url"),
        (b"42", "not a JSON object but a number"),
        (b"[" * 100_000, "invalid JSON"),
    ],
)
def test_rejection_reasons(line, reason):
    with pytest.raises(RejectedLine, match=reason.replace("[", r"\[")):
        row_from_line(line, line_number=1, default_source="x")


def test_unstorable_characters_are_dropped():
    row = row_from_line(
        b'{"url": "https://x.example/1", "title": "a\\u0000b\\ud800c", "text": "t"}',
        line_number=1,
        default_source="x",
    )
    assert row.fields["title"] == "abc"
