"""The topic classifier's API on tiny models trained here, on sentences written for these tests.

Nothing reads ../shared/data: a miniature corpus in the ANT layout is written to a temporary
directory where training end to end is tested.
"""

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import CommandError, call_command

from khabar.tagging import taxonomy, topics

# Two sentences per article: title, text. Written for khabar's tests.
EXAMPLES = {
    "sport": [
        ("الترجي يفوز على النجم الساحلي في الدوري", "سجل المهاجم هدفين وفاز الفريق بالمباراة"),
        ("المنتخب الوطني يستعد لكأس العالم", "أعلن المدرب قائمة اللاعبين للمباراة الودية"),
        ("ريال مدريد يتعاقد مع لاعب جديد", "انتقل اللاعب إلى النادي قبل بداية الدوري"),
        ("بطولة التنس تنطلق غدا بمشاركة أبطال العالم", "يشارك اللاعبون في البطولة والمباراة"),
    ],
    "economy": [
        ("البنك المركزي يرفع سعر الفائدة", "قرر البنك رفع الفائدة لمواجهة التضخم وارتفاع الأسعار"),
        ("ارتفاع صادرات زيت الزيتون", "سجلت الصادرات نموا في السوق وتحسن الميزان التجاري"),
        ("أسعار النفط تتراجع في الأسواق", "تراجعت أسعار النفط الخام مع زيادة الإنتاج والمخزون"),
        ("البورصة تغلق على ارتفاع", "ارتفعت أسهم البنوك والشركات في السوق المالية"),
    ],
    "politics": [
        ("البرلمان يصوت على الحكومة الجديدة", "صوت النواب بالثقة على حكومة رئيس الوزراء"),
        ("الرئيس يستقبل وزير الخارجية", "بحث اللقاء العلاقات الدبلوماسية بين البلدين"),
        ("حزب المعارضة يطالب بانتخابات مبكرة", "دعا الحزب إلى انتخابات تشريعية وانتقد الحكومة"),
        ("مجلس الأمن يناقش الأزمة", "طالب السفير بوقف إطلاق النار والعودة إلى المفاوضات"),
    ],
    "technology": [
        ("شركة آبل تطلق هاتفا ذكيا جديدا", "يأتي الهاتف بكاميرا متطورة وتطبيقات جديدة"),
        ("فيسبوك يغير إعدادات الخصوصية", "أعلنت الشركة تحديثا للتطبيق لحماية بيانات المستخدمين"),
        (
            "اختراق آلاف الحسابات على الإنترنت",
            "وصل قراصنة إلى بيانات المستخدمين عبر ثغرة في البرنامج",
        ),
        ("غوغل تكشف عن حاسوب جديد", "يعمل الحاسوب بمعالج سريع وبرنامج ذكاء اصطناعي"),
    ],
}


def labelled(title: str, text: str, label: str) -> topics.LabelledArticle:
    """An article positive for `label` and negative for every other label of EXAMPLES."""
    return topics.LabelledArticle(
        title=title,
        text=text,
        corpus="test",
        outlet="test",
        sections=frozenset({label}),
        positives=frozenset({label}),
        negatives=frozenset(EXAMPLES) - {label},
        group=topics.text_group(title, text),
        gold=frozenset(EXAMPLES),
        terms=topics.article_terms(title, text),
    )


@pytest.fixture(scope="module")
def tiny_model() -> topics.TopicModel:
    articles = [labelled(*pair, label) for label, pairs in EXAMPLES.items() for pair in pairs]
    return topics.fit_topic_model(articles, keep_weights=500, threshold_folds=0)


@pytest.mark.parametrize(
    ("label", "title", "text"),
    [
        ("sport", "الفريق يفوز بالمباراة", "سجل اللاعب هدفا في الدوري"),
        ("economy", "البنك يرفع الأسعار", "ارتفاع التضخم في السوق"),
        ("politics", "الحكومة والبرلمان", "النواب يطالبون بانتخابات"),
        ("technology", "هاتف ذكي جديد", "تطبيق لحماية بيانات المستخدمين"),
    ],
)
def test_predicts_the_topic_it_was_taught(tiny_model, label, title, text):
    ranked = tiny_model.predict(title, text, threshold=0.0)
    assert ranked[0][0] == label


def test_every_label_ranked_highest_first_with_scores_between_0_and_1(tiny_model):
    ranked = topics.predict_topics("الفريق يفوز", "في الدوري", model=tiny_model, threshold=0.0)
    assert [label for label, _ in ranked] and len(ranked) == len(tiny_model.labels)
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert all(isinstance(label, str) and isinstance(score, float) for label, score in ranked)


def test_only_labels_at_or_above_the_threshold_by_default(tiny_model):
    ranked = tiny_model.predict("الفريق يفوز بالمباراة", "سجل اللاعب هدفا")
    assert ranked and all(score >= 0.5 for _, score in ranked)
    assert ranked[0][0] == "sport"


def hand_made_model() -> topics.TopicModel:
    """sport fires on كرة, economy on بنك, each on its own, both when both words are there."""
    cells = [
        (topics.term_column(feature), column)
        for term, column in (("كره", 0), ("بنك", 1))
        for feature in (term, topics.TITLE_PREFIX + term)
    ]
    rows, columns = zip(*cells, strict=True)
    weights = sp.csr_matrix(
        (np.full(len(cells), 10.0, dtype=np.float32), (rows, columns)), shape=(topics.N_FEATURES, 3)
    )
    return topics.TopicModel(
        labels=("sport", "economy", "culture"),
        weights=weights,
        intercepts=np.array([-2.0, -2.0, -2.0], dtype=np.float32),
        thresholds=np.array([0.5, 0.5, 0.5], dtype=np.float32),
    )


def test_an_article_can_have_several_topics_ranked_by_score():
    model = hand_made_model()
    assert [label for label, _ in model.predict("كرة", "")] == ["sport"]
    both = model.predict("كرة القدم", "البنك يمول كرة القدم والنادي")  # كرة twice: sport first
    assert [label for label, _ in both] == ["sport", "economy"]
    assert both[0][1] > both[1][1] >= 0.5


def test_rescaled_scores_put_each_threshold_at_one_half():
    probabilities = np.array([[0.0, 0.2, 0.9, 1.0]])
    thresholds = np.array([0.3, 0.2, 0.9, 0.5])
    assert topics.rescale(probabilities, thresholds).tolist() == [[0.0, 0.5, 0.5, 1.0]]


@pytest.mark.parametrize(
    ("title", "text", "arabic"),
    [
        ("", "", False),
        (None, None, False),
        ("!!! ؟؟؟ ...", "12345 ٤٥٦ — ☺️🙂", False),
        ("Apple launches a new phone", "No Arabic at all here.", False),
        ("\u200f\u200e\u0640\u064b", "\ufeff", False),
        ("عنوان", "نص " * 20_000, True),
    ],
    ids=["empty", "none", "punctuation", "english", "invisible", "very-long"],
)
def test_empty_or_odd_input_does_not_crash(tiny_model, title, text, arabic):
    ranked = tiny_model.predict(title, text, threshold=0.0)
    # Without an Arabic word there is no evidence: no topics rather than the intercepts.
    assert len(ranked) == (len(tiny_model.labels) if arabic else 0)


def test_predict_many_gives_what_predict_gives(tiny_model):
    pairs = [("الفريق يفوز", "هدف"), ("", ""), ("البنك", "الفائدة"), ("x", "y")]
    assert tiny_model.predict_many(pairs, threshold=0.0) == [
        tiny_model.predict(title, text, threshold=0.0) for title, text in pairs
    ]


# --- files ------------------------------------------------------------------------------------


def test_saved_models_are_versioned_and_load_back_the_same(tiny_model, tmp_path):
    first = topics.save_topic_model(tiny_model, tmp_path, card={"note": "test"})
    second = topics.save_topic_model(tiny_model, tmp_path)
    assert (first.name, second.name) == ("topics-v1.npz", "topics-v2.npz")
    card = json.loads(second.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["version"] == 2 and card["format"] == topics.FORMAT
    assert [entry["name"] for entry in card["labels"]] == list(tiny_model.labels)

    loaded = topics.load_topic_model(tmp_path)  # a directory: its newest version
    assert loaded.card["version"] == 2
    assert topics.load_topic_model(first).card["note"] == "test"
    assert loaded.labels == tiny_model.labels
    for title, text in [("الفريق يفوز", "في الدوري"), ("هاتف ذكي", "تطبيق")]:
        assert loaded.predict(title, text, threshold=0.0) == tiny_model.predict(
            title, text, threshold=0.0
        )
    assert not topics.analyzer_changed(loaded)


def test_loading_refuses_a_missing_or_foreign_model_with_a_clear_error(tmp_path):
    with pytest.raises(topics.TopicModelError, match="no topic model"):
        topics.load_topic_model(tmp_path)
    (tmp_path / "topics-v1.npz").write_bytes(b"not a model")
    with pytest.raises(topics.TopicModelError, match="cannot read topic model"):
        topics.load_topic_model(tmp_path)
    np.savez(tmp_path / "topics-v2.npz", format=np.int32(99), n_features=np.int64(8))
    with pytest.raises(topics.TopicModelError, match="format 99"):
        topics.load_topic_model(tmp_path)


def test_the_model_shipped_with_khabar_loads_and_tags_plain_news():
    model = topics.load_topic_model(topics.PACKAGED_MODEL_DIR)
    assert set(model.labels) == set(taxonomy.LABELS)
    sport = model.predict("المنتخب يفوز على البرازيل في كأس العالم", "سجل المهاجم هدفين")
    assert sport[0][0] == "sport"
    economy = model.predict("البنك المركزي يرفع سعر الفائدة", "ارتفاع التضخم وأسعار النفط")
    assert economy[0][0] == "economy"


def test_the_data_dir_model_comes_before_the_shipped_one(tiny_model, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    topics.default_topic_model.cache_clear()
    try:
        assert set(topics.default_topic_model().labels) == set(taxonomy.LABELS)  # shipped
        topics.save_topic_model(tiny_model, tmp_path / "models")
        topics.default_topic_model.cache_clear()
        assert topics.default_topic_model().labels == tiny_model.labels
        assert topics.predict_topics("الفريق يفوز بالمباراة", "", threshold=0)[0][0] == "sport"
    finally:
        topics.default_topic_model.cache_clear()


# --- labels from the ANT sections ------------------------------------------------------------


def test_sections_map_to_positives_and_gold_negatives():
    sections = {"sport", "internationalNews", "middleEast", "economy", "culture", "technology"}
    positives, negatives = taxonomy.ant_labels(
        "v2.1", {"sport"}, outlet="BBC", outlet_sections=sections
    )
    assert positives == {"sport"}
    assert negatives == {"economy", "culture", "technology", "politics"}  # region unknown

    # Filed under both: the region section wins over "international".
    positives, negatives = taxonomy.ant_labels(
        "v2.1", {"internationalNews", "middleEast"}, outlet="BBC", outlet_sections=sections
    )
    assert positives == {"middle-east"} and "world" in negatives


def test_an_outlet_without_a_section_says_nothing_about_its_label():
    cnn = {"sport", "internationalNews", "middleEast", "economy", "technology"}  # no culture
    _, negatives = taxonomy.ant_labels("v2.1", {"sport"}, outlet="CNN", outlet_sections=cnn)
    assert "culture" not in negatives
    alarabia = {"sport", "internationalNews", "economy", "culture", "technology"}
    positives, negatives = taxonomy.ant_labels(
        "v2.1", {"internationalNews"}, outlet="Alarabia", outlet_sections=alarabia
    )
    assert not ({"world", "middle-east"} & (positives | negatives))


def test_a_section_holding_most_of_another_is_a_catch_all():
    def article(outlet, *sections):
        return topics.LabelledArticle("", "", "v2.1", outlet, frozenset(sections))

    articles = [article("A", "internationalNews", "sport")] * 60 + [article("A", "sport")] * 40
    articles += [article("A", "internationalNews")] * 100
    articles += [article("A", "sport", "economy")] * 10  # 10% of sport: not a catch-all
    articles += [article("B", "internationalNews", "sport")] * 10 + [article("B", "sport")] * 5
    assert topics.catch_all_sections(articles) == {"A": {"internationalNews"}}  # B: too few
    assert topics.catch_all_sections(articles) == {"A": {"internationalNews"}}


def test_the_lexicon_gives_weak_labels_from_title_and_lead():
    weak = topics.weak_labels(
        "وزارة الصحة تطلق حملة تلقيح ضد الحصبة",
        "قال الأطباء إن اللقاح يحمي الأطفال من المرض وإن المستشفيات مستعدة لعلاج المرضى",
    )
    assert weak["health"] is True
    assert weak["religion"] is False and weak["environment"] is False


# --- training end to end, and the command ----------------------------------------------------


def write_ant(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


@pytest.fixture
def mini_corpus(tmp_path) -> Path:
    """Both ANT files in their layout, with the sentences above as articles."""
    sections = {"sport": "sport", "economy": "economy", "politics": "politic"}
    v1 = [
        {
            "docno": f"v1-{label}-{i}",
            "url": f"https://radio.example/{label}/{i}",
            "source": "JAWHARAFM",
            "title": title,
            "text": text,
            "category_from_path": sections[label],
        }
        for label in sections
        for i, (title, text) in enumerate(EXAMPLES[label])
    ]
    v1.append({**v1[0], "category_from_path": "localNews"})  # same URL, second section
    v1.append({**v1[0], "url": "https://radio.example/empty", "title": "", "text": ""})
    v2_sections = {"sport": "sport", "economy": "economy", "technology": "technology"}
    v2 = [
        {
            "docno": f"v2-{outlet}-{label}-{i}",
            "url": f"https://{outlet}.example/{label}/{i}",
            "title": title,
            "text": text,
            "category_from_path": v2_sections[label],
            "source_from_path": outlet,
        }
        for outlet in ("One", "Two")
        for label in v2_sections
        for i, (title, text) in enumerate(EXAMPLES[label])
    ]
    write_ant(tmp_path / "data" / topics.V1_FILE, v1)
    write_ant(tmp_path / "data" / topics.V2_FILE, v2)
    return tmp_path / "data"


def test_train_topics_reads_the_corpora_and_saves_a_versioned_model(mini_corpus, tmp_path):
    articles, used = topics.labelled_articles(mini_corpus)
    assert len(used) == 2
    assert len(articles) == 12 + 24  # one per URL; the empty row skipped
    merged = next(a for a in articles if a.sections == {"sport", "localNews"})
    assert merged.positives >= {"sport", "middle-east"}

    path = topics.train_topics(data_dir=mini_corpus, out_dir=tmp_path / "models")
    assert path == tmp_path / "models" / "topics-v1.npz"
    model = topics.load_topic_model(path)
    assert {"sport", "economy", "technology"} <= set(model.labels)
    assert model.card["data"][0]["file"] == topics.V1_FILE
    assert model.predict("الفريق يفوز بالمباراة", "هدف في الدوري", threshold=0.0)[0][0] == "sport"


def test_train_command_says_where_it_looked_when_the_data_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("KHABAR_SHARED_DATA", str(tmp_path / "nowhere"))
    for what in ("topics", "entities"):
        with pytest.raises(CommandError, match="shared data not found: .*nowhere.*KHABAR_SHARED"):
            call_command("train", what, "--out", str(tmp_path / "models"))
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("KHABAR_SHARED_DATA", str(tmp_path / "empty"))
    with pytest.raises(CommandError, match="training data not found: .*ant_v1.1"):
        call_command("train", "topics", "--out", str(tmp_path / "models"))
    assert not (tmp_path / "models").exists()


def test_train_command_saves_a_model(mini_corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KHABAR_SHARED_DATA", str(mini_corpus))
    call_command("train", "topics", "--out", str(tmp_path / "models"))
    assert "topic model v1 saved to" in capsys.readouterr().out
    assert (tmp_path / "models" / "topics-v1.json").is_file()
