"""The topic taxonomy: labels, their facets, how the ANT corpora map to them, and seed lexicons.

Labels are plain English words; the interface translates them. Two facets share one multi-label
model: ``subject`` (what an article is about) and ``region`` (where it happens: the world, or
the Middle East and North Africa, the two regional sections the corpora have). Docs: docs/topics.md, with the mapping table and
what each label was learned from.

Where a corpus section says nothing about a label (ANT has no health section, and its "world"
and "Middle East" sections do not say whether an article is political), the label is filled in
from a seed lexicon written for khabar (`LEXICONS`): an article with enough lexicon words is a
weak positive, one with (almost) none a weak negative, and anything in between is left out of
that label's training. Every lexicon entry is analyzed with `khabar.arabic.analyze.terms`, the
same analysis the model's features use, so it matches clitic and plural forms alike.
"""

from dataclasses import dataclass

SUBJECT = "subject"
REGION = "region"


@dataclass(frozen=True)
class Label:
    name: str
    facet: str
    description: str


TAXONOMY = (
    Label("politics", SUBJECT, "government, parties, elections, diplomacy, conflict and security"),
    Label("economy", SUBJECT, "business, markets, trade, energy, prices, jobs and public finance"),
    Label("sport", SUBJECT, "competitions, clubs, athletes and sports bodies"),
    Label("culture", SUBJECT, "cinema, music, television, books, arts, heritage and celebrities"),
    Label("technology", SUBJECT, "devices, software, the internet, telecoms and tech companies"),
    Label("science", SUBJECT, "research findings, space, biology, physics and archaeology"),
    Label("health", SUBJECT, "medicine, diseases, hospitals, public health and nutrition"),
    Label("religion", SUBJECT, "faith, worship, religious institutions and religious holidays"),
    Label("society", SUBJECT, "crime and policing, courts, accidents, education, family, welfare"),
    Label("environment", SUBJECT, "climate, pollution, wildlife, weather and natural disasters"),
    Label("world", REGION, "news from outside the Middle East and North Africa"),
    Label(
        "middle-east", REGION, "the Middle East and North Africa: Arab states, Iran, Turkey, Israel"
    ),
)
LABELS = tuple(label.name for label in TAXONOMY)
FACETS = {label.name: label.facet for label in TAXONOMY}

# --- ANT sections → labels ------------------------------------------------------------------
# Each section gives positives and *gold negatives*: an outlet that filed an article under
# "sport" did not file it under "economy", so it is a negative for economy. Labels a section
# neither asserts nor denies are unknown for its articles; lexicon labels fill those in.
# Region is where the news happens, which subject sections do not say: unknown there.
# A URL filed in several sections (same article, two folders) takes the union of positives,
# and a label positive in one of its sections is never a negative.

_V1_SUBJECTS = {"politics", "economy", "sport", "culture", "technology", "society"}
_V2_SUBJECTS = {"economy", "sport", "culture", "technology"}
# Jawhara FM's national and world sections hold economy, culture and technology news as well
# (trade deficits, oil prices, phone launches): they only rule out sport.
_V1_CATCH_ALL_NEGATIVES = {"sport"}

ANT_V1 = {
    # section: (positives, negatives)
    "politic": ({"politics", "middle-east"}, _V1_SUBJECTS - {"politics"} | {"world"}),
    "society": ({"society", "middle-east"}, _V1_SUBJECTS - {"society"} | {"world"}),
    "economy": ({"economy"}, _V1_SUBJECTS - {"economy"}),
    "sport": ({"sport"}, _V1_SUBJECTS - {"sport"}),
    "culture": ({"culture"}, _V1_SUBJECTS - {"culture"}),
    "technology": ({"technology"}, _V1_SUBJECTS - {"technology"}),
    # Tunisian national news: North Africa, not world news; politics and society are unknown.
    "localNews": ({"middle-east"}, _V1_CATCH_ALL_NEGATIVES | {"world"}),
    # World and Arab news in one section: which region is unknown.
    "internationalNews": (set(), _V1_CATCH_ALL_NEGATIVES),
    # "Miscellaneous": lifestyle, health tips, odd news, a bit of everything. Nothing is known.
    "diverse": (set(), set()),
}
ANT_V2 = {
    "economy": ({"economy"}, _V2_SUBJECTS - {"economy"} | {"politics"}),
    "sport": ({"sport"}, _V2_SUBJECTS - {"sport"} | {"politics"}),
    "culture": ({"culture"}, _V2_SUBJECTS - {"culture"} | {"politics"}),
    "technology": ({"technology"}, _V2_SUBJECTS - {"technology"} | {"politics"}),
    "internationalNews": ({"world"}, _V2_SUBJECTS | {"middle-east"}),
    "middleEast": ({"middle-east"}, _V2_SUBJECTS | {"world"}),
}
# Al Arabiya has no Middle East section: its "internationalNews" holds Arab and world news alike.
V2_OUTLETS_WITHOUT_REGIONS = frozenset({"Alarabia"})


def ant_labels(
    corpus: str, sections: set[str], *, outlet: str, outlet_sections: set[str]
) -> tuple[set[str], set[str]]:
    """Positive and gold-negative labels of one ANT article filed under `sections`.

    `corpus` is "v1.1" or "v2.1"; `outlet_sections` are all the sections its outlet has: a
    subject none of them maps to is unknown for that outlet (CNN has no culture section, so a
    CNN article is no evidence against culture).
    """
    table = ANT_V1 if corpus == "v1.1" else ANT_V2
    positives: set[str] = set()
    negatives: set[str] = set()
    for section in sections:
        pos, neg = table[section]
        positives |= pos
        negatives |= neg
    if "middle-east" in positives:  # France24 files Arab news under both; the region wins
        positives.discard("world")
    if corpus == "v2.1":
        covered = set().union(*(table[section][0] for section in outlet_sections))
        negatives -= _V2_SUBJECTS - covered
        if outlet in V2_OUTLETS_WITHOUT_REGIONS:
            positives -= {"world", "middle-east"}
            negatives -= {"world", "middle-east"}
    return positives, negatives - positives


# --- seed lexicons ----------------------------------------------------------------------------
# Written for khabar from general knowledge of Arabic news vocabulary (no list was copied).
# "strong" words nearly always mean the topic; "weak" ones support it. An article's score is
# 2 per distinct strong entry and 1 per distinct weak entry found in its title and lead.
# Multi-word entries match as consecutive terms. Words that the stemmer folds into another
# word were left out (جامع is also جامعة, عمرة is عمر "age", نقاب is نقابة, دين is "debt").
# The thresholds were set by reading a random sample of the articles each one selects.

LEXICON_LEAD = 1000  # characters of the text read after the title
WEAK_POSITIVE = 5  # score at or above, with an entry in the title: a weak positive
WEAK_NEGATIVE = 1  # score at or below: a weak negative; in between: left out of training

LEXICONS: dict[str, dict[str, str]] = {
    "politics": {
        "strong": """
            انتخابات الانتخابات انتخابية الناخبين برلمان البرلمان برلماني البرلمانية
            مجلس_النواب مجلس_الشيوخ الكونغرس الكنيست حزب الحزب الأحزاب حزبي رئيس_الوزراء
            رئيس_الحكومة الحكومة حكومي الحكومية وزير_الخارجية الخارجية دبلوماسي دبلوماسية
            الدبلوماسيين السفير سفارة مفاوضات المفاوضات المعارضة معارض مجلس_الأمن
            الأمم_المتحدة قمة عقوبات العقوبات البيت_الأبيض الكرملين الرئاسة الرئاسية ائتلاف
            استفتاء الدستور دستوري النواب سياسي السياسية السياسيين الجيش القوات عسكري العسكرية
            غارة غارات صاروخ صواريخ مسلحين المسلحة الإرهاب إرهابي الإرهابية داعش الحوثي الحوثيين
            المتمردين الحرب وقف_إطلاق_النار الهدنة اتفاق_السلام التحالف الناتو الاستخبارات
            النووي الاتفاق_النووي البرلمانيين الحكومات التشريعية الرئيس_الأمريكي
        """,
        "weak": """
            رئيس وزير وزراء زعيم ترامب ترمب بوتين ماكرون أردوغان نتنياهو روحاني الأسد السبسي
            الشاهد السلطات أمني الأمنية احتجاجات تظاهرات متظاهرين قانون مشروع_قانون
            الدولة الولايات_المتحدة اتفاق
        """,
    },
    "society": {
        "strong": """
            الشرطة شرطي الحرس_الوطني القبض إيقاف_شخص جريمة جرائم الجريمة مخدرات المخدرات سرقة
            السرقة سارق لصوص اغتصاب تحرش التحرش العنف_ضد_المرأة حادث_مرور حوادث_المرور
            حادث_سير اصطدام انتحار الانتحار غرق الحماية_المدنية حريق التعليم المدارس مدرسة
            التلاميذ تلميذ الطلبة الطلاب المعلمين الأساتذة الامتحانات امتحان البكالوريا البطالة
            الفقر الفقراء إضراب الإضراب اعتصام النقابة نقابة الزواج زواج الطلاق الأسرة
            العائلات الأطفال الطفولة المرأة النساء المسنين الإعاقة ذوي_الإعاقة الهجرة_غير_الشرعية
            المجتمع_المدني جمعية الجمعيات حقوق_الإنسان السجن سجن المحكمة محكمة قضائي القضاء
            النيابة_العمومية النيابة التهريب مهربين حجز المساكن السكن
        """,
        "weak": """
            مواطن المواطنين شاب شابة عائلة طفل أطفال امرأة مجتمع اجتماعي الاجتماعية احتجاج
            الأمن قتيل جرحى وفاة
        """,
    },
    "health": {
        "strong": """
            الصحة صحي مرض المرض الأمراض مرضى المرضى مريض طبيب الطبيب الأطباء علاج العلاج
            دواء الدواء الأدوية لقاح اللقاح التلقيح وباء الأوبئة سرطان السرطان السكري الكوليرا
            إيبولا الإنفلونزا الإيدز الملاريا الحصبة عدوى عملية_جراحية السمنة البدانة التدخين الكوليسترول
            ضغط_الدم الزهايمر الاكتئاب الصحة_النفسية منظمة_الصحة_العالمية فيتامين المناعة
            الجهاز_المناعي الأعراض التغذية الصيدلية الصيدليات الممرضين الأورام القلب_والأوعية
            السكتة_الدماغية الخرف التوحد البروتين الدهون الوجبات السعرات_الحرارية
        """,
        "weak": """
            وزارة_الصحة مستشفى المستشفى المستشفيات طبي الطبية الصحية الجسم الدم فيروس خطر
            دراسة القلب النوم الغذاء الأغذية الحمل الحوامل الرضع
        """,
    },
    "religion": {
        "strong": """
            مسجد المسجد المساجد الصلاة صلاة المصلين الصيام صيام الحج الحجاج مناسك
            المعتمرين فتوى الفتوى الفتاوى الأزهر الإفتاء مفتي المفتي إمام الأئمة خطبة الخطبة
            الكنيسة الكنائس كنيسة الفاتيكان البابا_فرنسيس الأقباط القبطية المسيحيين المسيحية المسلمين
            القرآن القرآنية النبي الرسول الديني الدينية الأديان الشريعة الزكاة عيد_الفطر
            عيد_الأضحى الكعبة المسجد_الحرام الحاخام الحاخامات الكنيس الأوقاف الشؤون_الدينية
            الصوفية الزوايا رجال_الدين الإلحاد رمضان_المبارك الإيمان
            العبادة الصحابة التراويح ليلة_القدر المولد_النبوي
        """,
        "weak": "رمضان الإسلام اليهود اليهودية الحجاب الطائفة",
    },
    "science": {
        "strong": """
            العلماء علماء باحثون الباحثون الباحثين دراسة_علمية بحث_علمي البحث_العلمي ناسا
            وكالة_الفضاء الفضاء الفضائية كوكب الكواكب المريخ مجرة المجرات تلسكوب نيزك كويكب
            مسبار رائد_فضاء رواد_الفضاء الجينات جيني الجينية الحمض_النووي الديناصورات ديناصور
            أحفوري الأحافير حفريات الفيزياء الكيمياء علم_الأحياء التطور الخلايا مختبر المختبر
            علمي العلمية الفلك فلكي الثقب_الأسود الجاذبية الذرة الفيزيائيين عالم_آثار
            علماء_الآثار الآثار_القديمة اكتشاف_أثري المومياء الأثرية القمر
        """,
        "weak": "دراسة اكتشاف تجربة جامعة الأرض الشمس الأبحاث بحث العلم",
    },
    "environment": {
        "strong": """
            البيئة البيئية بيئي المناخ المناخي المناخية التغير_المناخي الاحتباس_الحراري
            التلوث تلوث الانبعاثات انبعاثات الكربون إعصار الإعصار الأعاصير فيضانات الفيضانات
            سيول السيول الجفاف التصحر حرائق_الغابات الغابات الحياة_البرية الانقراض المحيطات
            البلاستيك النفايات الطاقة_المتجددة الطاقة_الشمسية طاقة_الرياح الأرصاد_الجوية
            الأرصاد الطقس درجات_الحرارة موجة_حر الأمطار أمطار الثلوج العاصفة عاصفة زلزال
            الزلزال الزلازل بركان البركان تسونامي الأنهار_الجليدية القطب_الشمالي الشعاب_المرجانية
            الحيوانات_البرية المحميات التنوع_البيولوجي
        """,
        "weak": "رياح حرارة الحرارة الطبيعة الكوارث كارثة الحيوانات المياه البحر",
    },
}
