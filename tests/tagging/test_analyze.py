"""`khabar analyze`: one file through extract, clean, language, topics, entities, keyphrases.

The political news texts in tests/fixtures/analyze were written for these tests (no corpus
text); the entity model is the one shipped with khabar, as on a fresh install.
"""

import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from khabar.tagging.analysis import analyze_text, blank_dropped_lines
from khabar.tagging.keyphrases import extract_keyphrases

FIXTURES = Path(__file__).parent.parent / "fixtures" / "analyze"
KHABAR = Path(sys.executable).parent / "khabar"


def analyze(*args) -> str:
    out = StringIO()
    call_command("analyze", *map(str, args), stdout=out)
    return out.getvalue()


def found(result: dict) -> set[tuple[str, str]]:
    return {(e["text"], e["type"]) for e in result["entities"]}


def canonicals(result: dict) -> set[tuple[str, str]]:
    return {(e["canonical"], e["type"]) for e in result["entities"]}


def database_tables(path: Path) -> list[str]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]


def assert_offsets(text: str, result: dict) -> None:
    for entity in result["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]


# --- the JSON contract ----------------------------------------------------------------------------


def test_json_of_a_text_file_indexes_the_file_as_read():
    path = FIXTURES / "syria.txt"
    result = json.loads(analyze(path, "--format", "json"))
    assert set(result) == {"language", "topics", "entities", "keyphrases"}
    assert result["language"] == "ar"
    scores = [t["score"] for t in result["topics"]]
    assert scores == sorted(scores, reverse=True)
    assert "politics" in {t["label"] for t in result["topics"]}
    assert_offsets(path.read_bytes().decode("utf-8"), result)
    assert {e["type"] for e in result["entities"]} <= {"PER", "ORG", "LOC"}
    assert all(isinstance(k, str) and k for k in result["keyphrases"])


def test_dropped_lines_give_no_entities_and_offsets_stay_exact():
    text = (FIXTURES / "syria.txt").read_bytes().decode("utf-8")
    result = analyze_text(text).as_dict()
    # The headline is repeated after the body: that line is dropped, its names are not tagged.
    repeat = text.rindex("قوات سوريا الديمقراطية تعلن")
    assert repeat > text.index("\n")
    assert all(e["start"] < repeat for e in result["entities"])
    assert_offsets(text, result)


def test_bom_and_crlf_count_as_characters(tmp_path):
    text = "\ufeffالحكومة السورية ترد\r\nقال الرئيس بشار الأسد في دمشق إن الجيش تقدم.\r\n"
    path = tmp_path / "crlf.txt"
    path.write_bytes(text.encode("utf-8"))
    result = json.loads(analyze(path))
    assert ("دمشق", "LOC") in found(result)
    assert_offsets(text, result)


def test_html_offsets_index_the_body(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>حكومة الوفاق تتهم قوات حفتر</title></head><body>"
        "<nav>الرئيسية | سياسة | اقتصاد</nav><article><h1>حكومة الوفاق تتهم قوات حفتر</h1>"
        "<p>اتهمت حكومة الوفاق الوطني قوات المشير خليفة حفتر بقصف أحياء في جنوب طرابلس، "
        "ودعت بعثة الأمم المتحدة إلى التحقيق في الهجوم الذي وقع فجر الأحد.</p>"
        "<p>وقال رئيس المجلس الرئاسي فايز السراج إن حكومته لن تسكت على القصف.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    result = json.loads(analyze(page))
    assert result["body"].startswith("حكومة الوفاق تتهم قوات حفتر\n\n")
    assert "الرئيسية" not in result["body"]
    assert_offsets(result["body"], result)
    assert {("خليفة حفتر", "PER"), ("فايز السراج", "PER"), ("طرابلس", "LOC")} <= found(result)


def test_english_text_gets_english_entities(tmp_path):
    path = tmp_path / "en.txt"
    path.write_text(
        "Fighting resumes south of Tripoli\n"
        "Forces loyal to Khalifa Haftar shelled the outskirts of Tripoli on Sunday, the "
        "Government of National Accord said. Prime Minister Fayez al-Sarraj called on the "
        "United Nations to act.\n",
        encoding="utf-8",
    )
    result = json.loads(analyze(path))
    assert result["language"] == "en"
    assert {("Khalifa Haftar", "PER"), ("Tripoli", "LOC"), ("United Nations", "ORG")} <= found(
        result
    )
    assert_offsets(path.read_text(encoding="utf-8"), result)


def test_text_format_is_readable():
    output = analyze(FIXTURES / "libya.txt", "--format", "text")
    assert output.startswith("title: حكومة الوفاق تتهم قوات حفتر بخرق الهدنة جنوب طرابلس\n")
    assert "PER  فايز السراج" in output


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"", "is empty"), (b"\x89PNG\r\n\x1a\n", "is a PNG image")],
)
def test_bad_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        analyze(path)


def test_unknown_format():
    with pytest.raises(CommandError, match="--format must be json or text"):
        analyze(FIXTURES / "syria.txt", "--format", "xml")


def test_the_khabar_command(tmp_path):
    env = {**os.environ, "KHABAR_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [str(KHABAR), "analyze", str(FIXTURES / "libya.txt"), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert ("فايز السراج", "PER") in found(json.loads(done.stdout))
    assert not database_tables(tmp_path / "khabar.sqlite3")  # nothing was migrated
    failed = subprocess.run(
        [str(KHABAR), "analyze", str(tmp_path / "missing.txt")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert failed.returncode != 0
    assert failed.stderr.strip().count("\n") == 0 and "no such file" in failed.stderr


# --- what it finds in political news ---------------------------------------------------------------

EXPECTED = {
    "syria.txt": {
        ("قوات سوريا الديمقراطية", "ORG"),
        ("دير الزور", "LOC"),
        ("الباغوز", "LOC"),
        ("تنظيم الدولة الإسلامية", "ORG"),
        ("هيئة تحرير الشام", "ORG"),
        ("إدلب", "LOC"),
        ("جسر الشغور", "LOC"),
        ("تل تمر", "LOC"),
        ("الحسكة", "LOC"),
        ("الجيش التركي", "ORG"),
        ("الحكومة السورية", "ORG"),
        ("بشار الأسد", "PER"),
        ("حسين أمير عبد اللهيان", "PER"),
        ("فرهاد شامي", "PER"),
        ("التحالف الدولي", "ORG"),
        ("الإدارة الذاتية", "ORG"),
    },
    "libya.txt": {
        ("حكومة الوفاق", "ORG"),
        ("خليفة حفتر", "PER"),
        ("فايز السراج", "PER"),
        ("أحمد المسماري", "PER"),
        ("فتحي باشاغا", "PER"),
        ("الجيش الوطني الليبي", "ORG"),
        ("طرابلس", "LOC"),
        ("مصراتة", "LOC"),
        ("بنغازي", "LOC"),
        ("الاتحاد الأوروبي", "ORG"),
    },
    "iraq_yemen.txt": {
        ("الحشد الشعبي", "ORG"),
        ("مصطفى الكاظمي", "PER"),
        ("مسرور بارزاني", "PER"),
        ("الموصل", "LOC"),
        ("نينوى", "LOC"),
        ("الأنبار", "LOC"),
        ("جماعة الحوثي", "ORG"),
        ("التحالف", "ORG"),
        ("السعودية", "LOC"),
        ("مأرب", "LOC"),
        ("حكومة إقليم كردستان", "ORG"),
        ("قيادة العمليات المشتركة", "ORG"),
        ("رشاد العليمي", "PER"),
    },
    "sudan_gaza.txt": {
        ("الجيش السوداني", "ORG"),
        ("قوات الدعم السريع", "ORG"),
        ("عبد الفتاح البرهان", "PER"),
        ("محمد حمدان دقلو", "PER"),
        ("الخرطوم", "LOC"),
        ("دارفور", "LOC"),
        ("قطاع غزة", "LOC"),
        ("خان يونس", "LOC"),
        ("حركة حماس", "ORG"),
        ("إسماعيل هنية", "PER"),
        ("بنيامين نتنياهو", "PER"),
        ("الضفة الغربية", "LOC"),
        ("السلطة الفلسطينية", "ORG"),
        ("الفاشر", "LOC"),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_political_news_people_places_groups_governments(name):
    path = FIXTURES / name
    result = json.loads(analyze(path))
    missing = EXPECTED[name] - canonicals(result)
    assert not missing, f"not found in {name}: {sorted(missing)}"
    assert_offsets(path.read_bytes().decode("utf-8"), result)


# --- pieces ---------------------------------------------------------------------------------------


def test_blank_dropped_lines_keeps_every_offset():
    text = "العنوان\r\nسطر أول\nاشترك الآن\nسطر ثان\n"
    blanked = blank_dropped_lines(text, kept=["العنوان", "سطر أول", "سطر ثان"])
    assert len(blanked) == len(text)
    assert blanked == "العنوان\r\nسطر أول\n" + " " * len("اشترك الآن") + "\nسطر ثان\n"


def test_keyphrases_are_written_forms_of_what_the_article_is_about():
    text = (FIXTURES / "syria.txt").read_text(encoding="utf-8")
    phrases = extract_keyphrases(text)
    assert "قوات سوريا الديمقراطية" in phrases
    assert "دير الزور" in phrases
    assert all(not p.startswith(("وال", "بال", "لل")) for p in phrases)
    assert extract_keyphrases("") == [] and extract_keyphrases("في من على") == []


def test_names_the_tagger_found_are_keyphrases_as_it_cut_them():
    result = json.loads(analyze(FIXTURES / "syria.txt"))
    assert "حسين أمير عبد اللهيان" in result["keyphrases"]  # written once, four words
    # Written لهيئة تحرير الشام; with the first ten keyphrases taken by other names, asked
    # for more of them.
    names = [entity["text"] for entity in result["entities"]]
    text = (FIXTURES / "syria.txt").read_text(encoding="utf-8")
    phrases = extract_keyphrases(text, names=names, limit=20)
    assert "هيئة تحرير الشام" in phrases and "لهيئة تحرير الشام" not in phrases
    assert "اللهيان" not in result["keyphrases"]
