"""Story clustering on short reports written for these tests (no corpus text)."""

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from khabar.stories.clustering import (
    DEFAULT_SETTINGS,
    ArticleRecord,
    StoryClusterer,
)

START = datetime(2018, 3, 20, 8, 0, tzinfo=UTC)

QUAKE_A = (
    "زلزال بقوة 6.1 درجات يضرب غرب تركيا",
    "ضرب زلزال بقوة 6.1 درجات على مقياس ريختر ولاية إزمير غرب تركيا صباح الثلاثاء، ما أدى إلى "
    "انهيار عدد من المباني وإصابة العشرات، بحسب هيئة إدارة الكوارث والطوارئ التركية. وقالت "
    "الهيئة إن فرق الإنقاذ تبحث عن ناجين تحت الأنقاض في أحياء المدينة القديمة.",
)
QUAKE_B = (
    "إصابة العشرات في زلزال إزمير التركية",
    "أعلنت هيئة الكوارث والطوارئ التركية إصابة العشرات جراء زلزال قوي بلغت شدته 6.1 درجات ضرب "
    "ولاية إزمير المطلة على بحر إيجه، وانهارت مبان عدة في المدينة فيما تواصل فرق الإنقاذ "
    "البحث عن ناجين تحت الأنقاض.",
)
FOOTBALL = (
    "الأهلي يفوز على الزمالك بهدفين ويتوج بكأس مصر",
    "توج النادي الأهلي بلقب كأس مصر لكرة القدم بعد فوزه على غريمه الزمالك بهدفين نظيفين في "
    "المباراة النهائية التي أقيمت مساء الجمعة على استاد القاهرة الدولي أمام آلاف المشجعين.",
)
ELECTION = (
    "انطلاق التصويت في الانتخابات البرلمانية في مالطا",
    "بدأ الناخبون في مالطا الإدلاء بأصواتهم في الانتخابات البرلمانية المبكرة التي دعا إليها "
    "رئيس الوزراء، وسط توقعات بفوز الحزب الحاكم بأغلبية مريحة في البرلمان الجديد.",
)

LOOSE = ("الإنقاذ في تركيا", "فرق الإنقاذ التركية تواصل عملها في ولاية إزمير.")


def report(article_id, title_text, *, hours=0.0, source="outlet-a", entities=()):
    title, text = title_text
    return ArticleRecord(
        id=article_id,
        title=title,
        text=text,
        published_at=START + timedelta(hours=hours),
        source=source,
        entities=tuple(entities),
    )


def test_two_outlets_reports_of_one_event_join_one_story():
    clusterer = StoryClusterer()
    first = clusterer.add(report(1, QUAKE_A, source="outlet-a"))
    second = clusterer.add(report(2, QUAKE_B, hours=1, source="outlet-b"))
    assert first.reason == "new"
    assert second.story_id == first.story_id
    assert second.reason == "similar" and second.score >= DEFAULT_SETTINGS.join_threshold
    story = clusterer.story(first.story_id)
    assert story.article_count == 2
    assert set(story.sources) == {"outlet-a", "outlet-b"}
    assert story.first_seen == START
    assert story.article_ids == (1, 2)
    assert story.headline in (QUAKE_A[0], QUAKE_B[0])


def test_an_unrelated_report_starts_a_new_story():
    clusterer = StoryClusterer()
    quake = clusterer.add(report(1, QUAKE_A))
    football = clusterer.add(report(2, FOOTBALL, hours=1))
    election = clusterer.add(report(3, ELECTION, hours=2))
    assert football.reason == election.reason == "new"
    assert len({quake.story_id, football.story_id, election.story_id}) == 3


def test_a_near_duplicate_joins_the_story_of_the_report_it_copies():
    clusterer = StoryClusterer()
    clusterer.add(report(1, FOOTBALL, source="outlet-a"))
    original = clusterer.add(report(2, QUAKE_B, hours=1, source="outlet-a"))
    copy_text = QUAKE_B[1].replace("أعلنت", "وأعلنت") + " وقال شهود إن الهزة شعر بها سكان اليونان."
    copy = clusterer.add(report(3, ("زلزال قوي في إزمير", copy_text), hours=2, source="outlet-b"))
    assert copy.reason == "duplicate"
    assert copy.story_id == original.story_id
    assert copy.score >= DEFAULT_SETTINGS.duplicate_threshold


def test_reports_outside_the_window_start_a_new_story():
    clusterer = StoryClusterer(window=timedelta(hours=72))
    early = clusterer.add(report(1, QUAKE_A))
    late = clusterer.add(report(2, QUAKE_B, hours=73))
    assert late.reason == "new"
    assert late.story_id != early.story_id
    assert clusterer.story(early.story_id) is None  # forgotten with its last article
    assert len(clusterer) == 1


def test_a_story_past_its_fresh_hours_needs_a_closer_match():
    fresh = StoryClusterer()
    first = fresh.add(report(1, QUAKE_A))
    assert fresh.add(report(2, LOOSE, hours=2)).story_id == first.story_id
    aged = StoryClusterer()
    first = aged.add(report(1, QUAKE_A))
    late = aged.add(report(2, LOOSE, hours=DEFAULT_SETTINGS.fresh_hours + 1))
    assert late.story_id != first.story_id
    copy = aged.add(report(3, QUAKE_A, hours=50, source="outlet-b"))
    assert (copy.reason, copy.story_id) == ("duplicate", first.story_id)  # copies always join


def test_an_article_matching_two_stories_merges_them():
    # Two reports of one event that share little, then a wrap-up that covers both. The
    # centroid condition is relaxed: with one article each, the two stories are only as
    # close as their first reports, and those were too far apart to join in the first place.
    settings = replace(DEFAULT_SETTINGS, merge_centroid_threshold=0.0)
    clusterer = StoryClusterer(settings=settings)
    rescue = (
        "فرق الإنقاذ تنتشل ناجين من تحت الأنقاض",
        "انتشلت فرق الإنقاذ ثلاثة ناجين من تحت أنقاض مبنى سكني منهار في حي قديم، وقال الدفاع "
        "المدني إن البحث مستمر طوال الليل.",
    )
    damage = (
        "أضرار في الموانئ وانقطاع الكهرباء عن آلاف المنازل",
        "تسببت الهزة في تشقق أرصفة الموانئ على بحر إيجه وانقطاع التيار الكهربائي عن آلاف "
        "المنازل، وأغلقت السلطات المدارس حتى إشعار آخر.",
    )
    first = clusterer.add(report(1, rescue))
    second = clusterer.add(report(2, damage, hours=1, source="outlet-b"))
    assert first.story_id != second.story_id
    wrap_up = (
        "ناجون من تحت الأنقاض وأضرار في الموانئ وانقطاع الكهرباء عن آلاف المنازل",
        "انتشلت فرق الإنقاذ ثلاثة ناجين من تحت أنقاض مبنى سكني منهار في حي قديم، فيما تسببت "
        "الهزة في تشقق أرصفة الموانئ على بحر إيجه وانقطاع التيار الكهربائي عن آلاف المنازل، "
        "وأغلقت السلطات المدارس.",
    )
    third = clusterer.add(report(3, wrap_up, hours=2, source="outlet-c"))
    assert third.reason == "merged"
    assert third.story_id == first.story_id  # the story seen first keeps its id
    assert third.merged_story_ids == (second.story_id,)
    assert clusterer.story(second.story_id) is None
    merged = clusterer.story(first.story_id)
    assert merged.article_ids == (1, 2, 3)
    assert merged.article_count == 3
    assert clusterer.story_id_of(2) == first.story_id


def test_state_rebuilt_from_recent_articles_decides_as_before():
    reports = [
        report(1, QUAKE_A, source="outlet-a"),
        report(2, FOOTBALL, hours=1),
        report(3, QUAKE_B, hours=2, source="outlet-b"),
        report(4, ELECTION, hours=3),
    ]
    running = StoryClusterer()
    stored = [(record, running.add(record).story_id) for record in reports]
    restored = StoryClusterer.from_recent(reversed(stored))  # any order
    assert [s.id for s in restored.stories()] == [s.id for s in running.stories()]
    assert restored.story(stored[0][1]).article_ids == (1, 3)
    follow_up = (
        "ارتفاع عدد المصابين في زلزال إزمير",
        "ارتفع عدد المصابين في الزلزال الذي ضرب ولاية إزمير التركية إلى مئة، وقالت هيئة الكوارث "
        "والطوارئ إن فرق الإنقاذ أنهت البحث تحت الأنقاض.",
    )
    record = report(5, follow_up, hours=4)
    assert restored.add(record) == running.add(record)
    unrelated = report(6, ("مهرجان للكتاب في تونس", "افتتح معرض تونس الدولي للكتاب."), hours=5)
    assert restored.add(unrelated).story_id == max(s for _, s in stored) + 1


def test_story_ids_come_from_the_caller_when_asked():
    clusterer = StoryClusterer(new_story_id=itertools.count(100).__next__)
    assert clusterer.add(report(1, QUAKE_A)).story_id == 100
    assert clusterer.add(report(2, FOOTBALL, hours=1)).story_id == 101


def test_entities_given_with_the_articles_count_as_shared_features():
    names = ["هيئة الكوارث والطوارئ التركية", "إزمير"]
    short_a = ("بيان عاجل", "صدر بيان عن الهيئة صباح اليوم.")
    short_b = ("تحديث", "المسؤولون يتحدثون للصحفيين مساء.")
    without = StoryClusterer()
    assert without.add(report(1, short_a)).story_id != without.add(report(2, short_b)).story_id
    weighted = replace(DEFAULT_SETTINGS.features, entity_weight=2.0)
    tagged = StoryClusterer(settings=replace(DEFAULT_SETTINGS, features=weighted))
    first = tagged.add(report(1, short_a, entities=names))
    second = tagged.add(report(2, short_b, hours=1, entities=reversed(names)))
    assert second.story_id == first.story_id


@pytest.mark.parametrize(
    "title_text", [("", ""), ("عنوان فقط", ""), ("", "نص بلا عنوان"), ("...", "؟؟ !!")]
)
def test_empty_or_wordless_text_does_not_crash(title_text):
    clusterer = StoryClusterer()
    clusterer.add(report(1, QUAKE_A))
    assignment = clusterer.add(report(2, title_text, hours=1))
    assert assignment.story_id is not None
    assert clusterer.story(assignment.story_id).article_count == 1
    again = clusterer.add(report(3, title_text, hours=2))
    assert again.story_id is not None


def test_adding_the_same_article_twice_changes_nothing():
    clusterer = StoryClusterer()
    first = clusterer.add(report(1, QUAKE_A))
    again = clusterer.add(report(1, QUAKE_A))
    assert again.reason == "known" and again.story_id == first.story_id
    assert clusterer.story(first.story_id).article_count == 1


def test_a_naive_published_time_is_refused_with_a_clear_error():
    clusterer = StoryClusterer()
    naive = replace(report(1, QUAKE_A), published_at=datetime(2018, 3, 20, 8, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        clusterer.add(naive)


def test_a_restored_story_keeps_its_first_seen_time():
    record = report(1, QUAKE_A, hours=50)
    fresh = StoryClusterer.from_recent([(record, 7)])
    assert fresh.add(report(2, LOOSE, hours=51)).story_id == 7
    restored = StoryClusterer.from_recent([(record, 7)], first_seen={7: START})
    assert restored.story(7).first_seen == START
    # Older than `fresh_hours`: the loosely related report no longer joins it.
    assert restored.add(report(2, LOOSE, hours=51)).story_id != 7


def test_weeks_of_articles_keep_the_state_small_and_the_scores_sound():
    # Far past the point where the recency weights are rescaled (`_rebase`): the window holds
    # only the last 72 hours, and two reports of one event still join as on the first day.
    words = [
        "مدينة",
        "وزير",
        "مجلس",
        "سوق",
        "مدرسة",
        "ميناء",
        "قطار",
        "مطار",
        "جامعة",
        "مستشفى",
        "ملعب",
        "حديقة",
        "مصنع",
        "نهر",
        "جسر",
    ]
    rng = random.Random(5)
    clusterer = StoryClusterer()
    for i in range(240):
        filler = " ".join(rng.choice(words) for _ in range(12))
        clusterer.add(report(f"filler-{i}", (f"خبر {i}", filler), hours=6 * i))
    assert len(clusterer) <= 13  # 72 hours of one article every 6 hours
    first = clusterer.add(report("a", QUAKE_A, hours=6 * 240))
    second = clusterer.add(report("b", QUAKE_B, hours=6 * 240 + 1))
    assert second.story_id == first.story_id
    assert second.score == pytest.approx(_join_score(QUAKE_A, QUAKE_B), abs=0.1)


def _join_score(first, second):
    clusterer = StoryClusterer()
    clusterer.add(report(1, first))
    return clusterer.add(report(2, second, hours=1)).score
