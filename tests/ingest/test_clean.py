from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khabar.ingest.boilerplate import KINDS, boilerplate_kind, line_key
from khabar.ingest.clean import REPEATED_HEADLINE, TRAILING_LINE_MAX_CHARS, clean_article
from khabar.ingest.records import ExtractedArticle
from khabar.sources.models import Source, SourceLine

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
HEADLINE = "وزارة الصحة تطلق حملة وطنية للتطعيم ضد الحصبة في المدارس"
# Real sentences that talk about subscribers, accounts, sharing or cookies: never boilerplate.
SENTENCES_ABOUT_SUBSCRIPTIONS = [
    "وقالت الشركة إن عدد المشتركين في خدمتها ارتفع إلى خمسة ملايين مشترك بعد أن أنشأوا حساباً جديداً خلال الحملة الترويجية.",
    "وأضاف أن على المستخدمين تسجيل الدخول إلى حساباتهم وتغيير كلمات المرور فوراً بعد الاختراق.",
    "اشترك في الحملة أكثر من مئة متطوع من طلاب الجامعات",
    "أُنشئ حساب خاص لجمع التبرعات لضحايا الزلزال في البنك المركزي",
    "شارك على مدى يومين أكثر من مئة خبير في المؤتمر",
    "تابعنا باهتمام تطورات الأحداث في المنطقة، قال الوزير",
    "لا تفوت الحكومة فرصة إلا وتهاجم المعارضة",
    "أعلنت جوجل أنها ستتوقف عن دعم ملفات تعريف الارتباط الخاصة بطرف ثالث في متصفح كروم",
    "واتهم المدعي العام الشركة بانتهاك حقوق النشر المحفوظة للمؤلفين",
    "The company said subscribers can now share articles with up to five friends.",
]


def clean_text(text, **fields):
    return clean_article(ExtractedArticle(text=text, **fields))


def reasons(item):
    return {entry["line"]: entry["reason"] for entry in item.dropped}


# --- The scraped page from the issue ---------------------------------------------------------


@pytest.fixture(scope="module")
def scraped():
    return clean_text((PAGES / "scraped-subscription.txt").read_text())


def test_headline_becomes_the_title(scraped):
    assert scraped.title == HEADLINE


def test_repeated_headline_and_subscription_block_are_gone(scraped):
    assert HEADLINE not in scraped.text
    for gone in ("لم تشترك بعد", "انشئ حساباً", "اشترك الآن", "تسجيل الدخول", "جميع الحقوق"):
        assert gone not in scraped.text
    assert scraped.text.endswith("وتقديمها عند الطلب.")


def test_each_dropped_line_says_why(scraped):
    why = reasons(scraped)
    assert why[HEADLINE] == REPEATED_HEADLINE
    assert why["لم تشترك بعد"] == "boilerplate: subscription"
    assert why["تسجيل الدخول"] == "boilerplate: login"
    assert why["جميع الحقوق محفوظة © 2026 صحيفة المثال"] == "boilerplate: copyright"
    assert why["سياسة التحرير"] == "boilerplate: trailing block"
    assert why["اقرأ أيضاً: ارتفاع الإصابات بالإنفلونزا الموسمية مع بداية الشتاء"] == (
        "boilerplate: related"
    )


def test_paragraph_about_subscribers_in_the_fixture_stays(scraped):
    assert "عدد المشتركين في المنصة الإلكترونية" in scraped.text
    assert "أنشأ كثيرون حساباً للمتابعة" in scraped.text


# --- Never a real paragraph ------------------------------------------------------------------


@pytest.mark.parametrize("sentence", SENTENCES_ABOUT_SUBSCRIPTIONS)
def test_sentences_about_subscriptions_are_content(sentence):
    assert boilerplate_kind(sentence) is None


@pytest.mark.parametrize("sentence", SENTENCES_ABOUT_SUBSCRIPTIONS)
def test_sentences_about_subscriptions_survive_cleaning_even_at_the_end(sentence):
    text = f"فقرة أولى من الخبر تشرح ما حدث بالتفصيل.\n{sentence}\nلم تشترك بعد\nاشترك الآن"
    item = clean_text(text, title="عنوان الخبر")
    assert sentence in item.text.splitlines()


def test_a_short_article_is_not_taken_for_a_footer():
    text = "انقطاع الكهرباء عن وسط المدينة\nعودة التيار بعد ساعتين\nشارك\nالمصدر: الشركة"
    item = clean_text(text, title="انقطاع الكهرباء")
    assert item.text.splitlines()[:2] == [
        "انقطاع الكهرباء عن وسط المدينة",
        "عودة التيار بعد ساعتين",
    ]


def test_short_real_lines_after_mid_article_boilerplate_stay():
    text = "أول فقرة.\nاقرأ أيضاً: خبر آخر\nفقرة ثانية قصيرة.\nفقرة ثالثة قصيرة."
    item = clean_text(text, title="عنوان")
    assert item.text == "أول فقرة.\nفقرة ثانية قصيرة.\nفقرة ثالثة قصيرة."


def test_a_list_item_that_reads_like_a_label_stays():
    text = "المهام الرئيسية:\n- دراسة السوق\n- الإعلانات\n- تطوير العلامة التجارية"
    item = clean_text(text, title="وظيفة مدير تسويق")
    assert item.text == text


def test_a_two_word_subheading_made_of_section_names_stays():
    text = "الفقرة الأولى من التقرير.\nتحقيقات دولية\nالفقرة الثانية من التقرير."
    assert clean_text(text, title="عنوان").text == text


def test_a_clean_article_is_untouched():
    text = "الفقرة الأولى من الخبر.\n\nالفقرة الثانية من الخبر."
    item = clean_text(text, title="عنوان")
    assert item.text == text
    assert item.dropped == []


# --- Headline repeats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "repeat",
    [
        HEADLINE,
        "وزارةُ الصحة تطلق حملةً وطنية للتطعيم ضد الحصبة في المدارس",  # harakat
        "وزارة الصحه تطلق حمله وطنيه للتطعيم ضد الحصبه في المدارس",  # ة written ه
        "وزارة الصحة تطلق حملة وطنية للتطعيم ضد الحصبة في المدارس.",  # punctuation
        f"{HEADLINE} | صحيفة المثال",  # with the site's name
    ],
)
def test_headline_repeats_in_any_spelling_are_dropped(repeat):
    item = clean_text(f"فقرة من نص الخبر.\n{repeat}", title=HEADLINE)
    assert item.text == "فقرة من نص الخبر."
    assert item.dropped == [{"line": repeat, "reason": REPEATED_HEADLINE}]


def test_a_paragraph_that_starts_like_the_headline_stays():
    paragraph = f"{HEADLINE} الأسبوع المقبل بمشاركة ألف طبيب"
    item = clean_text(paragraph, title=HEADLINE)
    assert item.text == paragraph


def test_light_normalization_folds_spelling_and_punctuation():
    assert line_key("أنشئ حساباً!") == line_key("انشئ حسابا")
    assert line_key("  إلى  الأعلى ") == line_key("الى الاعلى")


# --- Curated boilerplate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("لم تشترك بعد", "subscription"),
        ("انشئ حساباً خاصاً بك لتحصل على أخبار مخصصة لك ولتستفيد من خدمات حصرية", "subscription"),
        ("اشترك الآن / تسجيل الدخول", "subscription"),
        ("Subscribe now", "subscription"),
        ("تسجيل الدخول", "login"),
        ("Log in", "login"),
        ("اشترك في النشرة البريدية لتصلك آخر الأخبار", "newsletter"),
        ("جميع الحقوق محفوظة © 2026", "copyright"),
        ("© 2026 Example News. All rights reserved.", "copyright"),
        ("شارك", "share"),
        ("شارك على فيسبوك", "share"),
        ("فيسبوك تويتر واتساب", "share"),
        ("Share this article", "share"),
        ("اقرأ أيضاً: الحكومة تعلن خطة جديدة للنقل", "related"),
        ("إقرأ أيضا", "related"),
        ("مواضيع ذات صلة", "related"),
        ("تابعونا على تويتر", "follow"),
        ("Follow us on Instagram", "follow"),
        ("المزيد", "more"),
        ("Read more", "more"),
        ("يستخدم هذا الموقع ملفات تعريف الارتباط لتحسين تجربتك", "cookies"),
        ("We use cookies to improve your experience.", "cookies"),
        ("أضف تعليقك", "comments"),
        ("إعلان", "advertisement"),
        ("الرئيسية", "navigation"),
        ("الرئيسية سياسة اقتصاد رياضة", "navigation"),
        ("حمّل تطبيق المثال الآن", "app"),
    ],
)
def test_boilerplate_kinds(line, kind):
    assert boilerplate_kind(line) == kind


def test_html_loses_the_same_lines_as_text():
    html = (
        f"<h1>{HEADLINE}</h1><p>فقرة من نص الخبر <a href='/x'>شارك</a> فيها الجميع.</p>"
        "<div class='share'><a href='#'>شارك</a></div>"
        "<ul><li>فيسبوك</li><li>تويتر</li></ul>"
        "<div>لم تشترك بعد<br>اشترك الآن</div>"
    )
    item = clean_article(ExtractedArticle(title=HEADLINE, html=html))
    assert item.text == "فقرة من نص الخبر شارك فيها الجميع."
    assert "<h1>" not in item.html and "لم تشترك" not in item.html
    assert "فيسبوك" not in item.html and "<ul>" not in item.html
    # A word inside a real paragraph that reads like a prompt stays.
    assert '<a href="/x">شارك</a> فيها الجميع' in item.html


def test_text_is_taken_from_html_when_missing():
    item = clean_article(
        ExtractedArticle(title="عنوان", html="<p>فقرة أولى.</p><p>فقرة ثانية.</p>")
    )
    assert item.text == "فقرة أولى.\nفقرة ثانية."


# --- Learning per source ---------------------------------------------------------------------


@pytest.fixture
def source(db):
    return Source.objects.create(url="https://learn.example/feed", name="مثال")


def article(number, *extra_lines):
    body = [f"فقرة فريدة رقم {number} تحكي تفاصيل الخبر بما يكفي من الكلمات.", *extra_lines]
    return ExtractedArticle(title=f"عنوان الخبر رقم {number}", text="\n".join(body))


def test_a_line_seen_in_three_articles_is_learned(source):
    menu = "صفحتنا على الإنترنت | الأرشيف | الطقس"
    kept = [clean_article(article(n, menu), source=source) for n in (1, 2)]
    assert all(menu in item.text for item in kept)
    third = clean_article(article(3, menu), source=source)
    assert menu not in third.text
    assert reasons(third)[menu] == "learned for this source (seen in 3 articles)"
    assert SourceLine.objects.get(source=source, text=menu).article_count == 3


def test_each_line_counts_once_per_article(source):
    line = "سطر يتكرر داخل المقال نفسه"
    clean_article(article(1, line, line, line), source=source)
    assert SourceLine.objects.get(source=source, text=line).article_count == 1


def test_reprocessing_a_known_article_does_not_count_again(source):
    for _ in range(5):
        clean_article(article(1, "سطر في مقال واحد"), source=source, learn=False)
    assert not SourceLine.objects.filter(source=source).exists()


def test_learning_is_per_source(source):
    other = Source.objects.create(url="https://other.example/feed", name="آخر")
    menu = "روابط الموقع: الأرشيف والطقس"
    for n in (1, 2):
        clean_article(article(n, menu), source=source)
    item = clean_article(article(3, menu), source=other)
    assert menu in item.text


def test_a_long_paragraph_needs_many_exact_repeats(source):
    paragraph = (
        "تنويه: الآراء الواردة في هذا المقال تعبر عن رأي كاتبها ولا تعبر بالضرورة عن رأي "
        "الصحيفة أو سياستها التحريرية، وهي مسؤولة فقط عن صحة نقل المعلومات المنشورة فيه."
    )
    assert len(line_key(paragraph)) > 100
    for n in range(1, 10):
        assert paragraph in clean_article(article(n, paragraph), source=source).text
    tenth = clean_article(article(10, paragraph), source=source)
    assert paragraph not in tenth.text


@override_settings(KHABAR_LEARN_MIN_SHARE=0.5)
def test_a_line_must_also_recur_in_a_share_of_the_articles(source):
    from khabar.ingest.store import store_article

    for n in range(1, 9):
        store_article(source, item=article(100 + n))  # eight stored articles without the line
    line = "سطر يظهر أحياناً"
    for n in (1, 2, 3):
        item = clean_article(article(n, line), source=source)
    assert line in item.text  # 3 of 9 articles is under half


# --- Properties ------------------------------------------------------------------------------

LONGEST_BOILERPLATE = max(limit for limit, _patterns in KINDS.values())
ALLOWED_FOR_LONG_LINES = {REPEATED_HEADLINE}

line_strategy = st.one_of(
    st.text(min_size=0, max_size=400),
    st.sampled_from(["شارك", "لم تشترك بعد", "اشترك الآن", "المزيد", "", "   "]),
    st.sampled_from(SENTENCES_ABOUT_SUBSCRIPTIONS),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(max_size=80), lines=st.lists(line_strategy, max_size=12))
def test_cleaning_never_raises_and_never_drops_long_prose(title, lines):
    item = clean_article(ExtractedArticle(title=title, text="\n".join(lines)))
    for entry in item.dropped:
        if entry["reason"] in ALLOWED_FOR_LONG_LINES:
            continue
        assert len(line_key(entry["line"])) <= max(LONGEST_BOILERPLATE, TRAILING_LINE_MAX_CHARS)
        assert entry["line"] not in SENTENCES_ABOUT_SUBSCRIPTIONS
