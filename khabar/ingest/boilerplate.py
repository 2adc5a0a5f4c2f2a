"""Boilerplate: the short lines news sites wrap around an article, recognised by their wording.

Every pattern must match a whole line, and each kind has a length limit, so a real sentence
that happens to mention subscribers, accounts or sharing is never taken for a prompt. Patterns
are written in ordinary Arabic spelling and folded with the project's normalizer when compiled,
so "أنشئ" also matches "انشئ" and "الرئيسية" matches "الرئيسيه".
"""

import re
from functools import lru_cache

from khabar.arabic.normalize import normalize, normalize_spaces

_NOT_WORD = re.compile(r"[^\w\s]|_")
_COPYRIGHT_SIGN = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b", re.IGNORECASE)
COPYRIGHT_MAX_CHARS = 160

SOCIAL = (
    "فيسبوك|فيس بوك|فايسبوك|تويتر|اكس|إكس|واتساب|واتس اب|واتس آب|تيليجرام|تلغرام|تليغرام|"
    "لينكد إن|لينكدإن|انستغرام|إنستغرام|انستجرام|يوتيوب|تيك توك|سناب شات|ماسنجر|"
    "facebook|twitter|x|whatsapp|telegram|linkedin|instagram|youtube|tiktok|snapchat|"
    "messenger|reddit|pinterest|email|e mail|البريد الإلكتروني|بريد إلكتروني|rss"
)

# kind -> (longest line it may be, whole-line patterns)
KINDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "subscription": (
        200,
        (
            r"لم تشترك بعد",
            r"(هل أنت|لست) مشتركا?( بعد)?",
            r"(اشترك|اشتركوا|اشتركي)( الآن| مجانا| معنا| اليوم)*( للحصول على .{0,100})?",
            r"(اشترك|اشتركوا|اشتركي) (في |ب)(خدمة|الخدمة|قناتنا|باقة|الباقة|العضوية)( .{0,100})?",
            r"(أنشئ|انشئي|أنشئوا) حسابا?( خاصا| مجانيا| جديدا)? ?(بك|لك|الآن|مجانا|للحصول|لتحصل|لتستفيد).{0,160}",
            r"(احصل|احصلوا) على (أخبار|آخر الأخبار|تنبيهات|إشعارات|محتوى).{0,150}",
            r"كن أول من (يعرف|يعلم).{0,100}",
            r"(للاشتراك|الاشتراك)( الآن| مجانا)?( اضغط هنا| انقر هنا)?",
            r"(هذا|هذه) (المحتوى|المقال|الخبر|المادة) (متاح|متاحة|حصري|حصرية) (للمشتركين|لمشتركينا).{0,80}",
            r"(subscribe|subscribe now|subscribe today)( for .{0,60}| to .{0,60})?",
            r"already (a )?(subscriber|member).{0,60}",
            r"(create|open) (a free |an |your )?(free )?account.{0,120}",
            r"become a (member|subscriber).{0,80}",
            r"(start|get) (your )?free trial.{0,60}",
            r"you(ve| have) reached (your|the) .{0,60}",
            r"(this (article|content) is )?(available )?(only )?for subscribers( only)?.{0,40}",
        ),
    ),
    "login": (
        80,
        (
            r"(تسجيل الدخول|تسجيل دخول|سجل الدخول|سجل دخولك)( .{0,40})?",
            r"(سجل الآن|تسجيل الخروج|تسجيل جديد|مستخدم جديد)",
            r"(إنشاء حساب|حسابي|الملف الشخصي|نسيت كلمة (السر|المرور))",
            r"(log ?in|sign ?in|sign ?up|register|log ?out|my account|forgot (your )?password)( (now|here|to .{0,40}|with .{0,30}|or .{0,30}))?",
        ),
    ),
    "newsletter": (
        160,
        (
            r"(اشترك|اشتركوا|سجل|سجلوا) (في |ب)(النشرة|نشرتنا|النشرات|القائمة البريدية).{0,120}",
            r"(النشرة|النشرات) (البريدية|الإخبارية|الإلكترونية)( اليومية| الأسبوعية)?",
            r"(أدخل|ادخل|اكتب) (بريدك|عنوان بريدك) الإلكتروني.{0,100}",
            r"(sign up for|subscribe to|get) (our|the) .{0,40}newsletters?.{0,80}",
            r"newsletters?",
            r"enter your email( address)?.{0,60}",
        ),
    ),
    "copyright": (
        COPYRIGHT_MAX_CHARS,
        (
            r".{0,60}(جميع|كل) الحقوق محفوظة.{0,100}",
            r".{0,60}حقوق (النشر|الطبع|الطبع والنشر) محفوظة.{0,100}",
            r".{0,60}all rights reserved.{0,100}",
        ),
    ),
    "share": (
        80,
        (
            rf"(شارك|شاركوا|شاركي|انشر|مشاركة)( (هذا|هذه) (الخبر|المقال|المادة|الصفحة|القصة))?( (على|عبر) ({SOCIAL}))*",
            r"(share|share this( article| story| page| post)?|share on .{0,30}|tweet|print|copy link)",
            r"(نسخ الرابط|طباعة|اطبع|أرسل لصديق|أرسل إلى صديق|إرسال|رابط مختصر)",
            rf"(({SOCIAL}) ?)+",
        ),
    ),
    "related": (
        160,
        (
            r"(اقرأ|إقرأ|اقرا) (أيضا|كذلك)( .{0,140})?",
            r"(شاهد|شاهدوا|اقرأ) (أيضا|المزيد)( .{0,100})?",
            r"(مواضيع|أخبار|مقالات|قصص|موضوعات) (ذات صلة|متعلقة|مشابهة|قد تهمك|أخرى)",
            r"(قد يهمك|قد يعجبك|قد يهمك أيضا|ننصحك بقراءة|لا تفوت|لا تفوتك|اخترنا لك|الأكثر قراءة|الأكثر مشاهدة|الأكثر تداولا|الأكثر شعبية)",
            r"المزيد (من|عن) (الأخبار|المقالات|القصص|الفيديوهات|أخبار .{0,30})",
            r"(also read|read also|see also|related (articles|stories|news|posts|coverage)|more (from|on) .{0,40})( .{0,120})?",
            r"(related|you may (also )?like|recommended( for you)?|most (read|popular|viewed))",
        ),
    ),
    "follow": (
        100,
        (
            r"(تابعونا|تابعوني)( .{0,80})?",
            rf"تابعنا( (على|عبر|في) ({SOCIAL}))*",
            rf"(تابعوا|تابع) (.{{0,40}} )?(على|عبر) ({SOCIAL}).{{0,40}}",
            r"(follow us|like us|join us)( on .{0,60})?",
        ),
    ),
    "more": (
        40,
        (
            r"(المزيد|للمزيد|اقرأ المزيد|عرض المزيد|تحميل المزيد|التفاصيل|اقرأ التفاصيل|التالي|السابق|الخبر التالي|الخبر السابق)",
            r"(more|read more|load more|show more|see more|view more|continue reading|next|previous)",
        ),
    ),
    "cookies": (
        300,
        (
            r"(يستخدم|تستخدم|نستخدم) (هذا |هذه )?(الموقع |الصفحة )?(ملفات تعريف الارتباط|الكوكيز|ملفات الكوكيز|كوكيز).{0,250}",
            r"(قبول|موافق|أوافق|أقبل|رفض)( على)?( جميع| كل)? ?(ملفات تعريف الارتباط|الكوكيز)?",
            r"سياسة (ملفات تعريف الارتباط|الكوكيز)",
            r"(we|this (web)?site) uses? cookies.{0,250}",
            r"(accept|reject|allow|manage)( all)? cookies.{0,40}",
            r"cookie (policy|settings|preferences)",
            r"(ok|got it|i agree|accept|agree)",
        ),
    ),
    "comments": (
        60,
        (
            r"(التعليقات|تعليقات|أضف تعليق|أضف تعليقك|أضف تعليقا|اترك تعليقا|شاركنا رأيك|علق|\d+ تعليق|\d+ تعليقات)",
            r"(comments?|\d+ comments?|leave a (comment|reply)|add (a )?comment)",
        ),
    ),
    "advertisement": (
        40,
        (
            r"(إعلان|إعلانات|الإعلانات|مساحة إعلانية|محتوى مدفوع|محتوى ممول)",
            r"(advertisement|advertising|sponsored( content)?|ad)",
        ),
    ),
    "navigation": (
        60,
        (
            r"(الرئيسية|الصفحة الرئيسية|عودة للأعلى|العودة للأعلى|إلى الأعلى|القائمة|بحث|ابحث|اتصل بنا|من نحن|سياسة الخصوصية|شروط الاستخدام|أعلن معنا|خريطة الموقع)",
            r"(home|back to top|skip to (main )?content|menu|search|contact us|about us|privacy policy|terms (of use|and conditions|of service)|sitemap)",
        ),
    ),
    "app": (
        100,
        (
            r"(حمل|حملوا|نزل|نزلوا|تحميل|حمّل) (تطبيق|التطبيق).{0,80}",
            r"download (our|the) app.{0,60}",
            r"(available|get it) on (the )?(app store|google play).{0,40}",
        ),
    ),
}

# Menus: a short line made only of these words is a row of links, not a sentence.
MENU_WORDS = (
    "الرئيسية|أخبار|الأخبار|سياسة|اقتصاد|رياضة|ثقافة|فن|فنون|منوعات|صحة|تكنولوجيا|علوم|"
    "محليات|دولي|دولية|عربي|عالمي|العالم|مقالات|رأي|آراء|فيديو|صور|ملفات|تحقيقات|حوارات|"
    "مجتمع|سياحة|بيئة|تعليم|اتصل بنا|من نحن|بحث|تسجيل الدخول|اشترك|"
    "home|news|world|politics|business|economy|sport|sports|culture|tech|technology|science|"
    "health|opinion|video|videos|photos|live|contact|about"
)
MENU_MAX_CHARS = 80
MENU_MIN_WORDS = 3
# A row of prompts or links: "اشترك الآن / تسجيل الدخول", "Home | Contact".
_ROW_SEPARATORS = re.compile(r"\s*[/|•·،,]\s*|\s+[-–—]\s+")


# A line is folded several times on its way (learning, cleaning, counting); menus and footers
# recur across articles. A bounded cache serves both.
@lru_cache(maxsize=8192)
def line_key(line: str) -> str:
    """The form lines are compared in: Arabic spelling, case, punctuation and spacing folded."""
    return normalize_spaces(_NOT_WORD.sub(" ", normalize(line or "")))


def _compile(pattern: str) -> re.Pattern:
    # Patterns are folded exactly as the lines they are matched against.
    return re.compile(normalize(pattern, lowercase=False), re.IGNORECASE)


_COMPILED = {
    kind: (limit, _compile("|".join(f"(?:{pattern})" for pattern in patterns)))
    for kind, (limit, patterns) in KINDS.items()
}
_LONGEST = max(limit for limit, _patterns in KINDS.values())
_MENU = _compile(rf"(?:(?:{MENU_WORDS}|{SOCIAL}) ?){{{MENU_MIN_WORDS},}}")


def boilerplate_kind(line: str, *, key: str | None = None) -> str | None:
    """The kind of boilerplate `line` is ("subscription", "share", ...), or None for content.

    `key` is `line_key(line)` when the caller has it already.
    """
    stripped = (line or "").strip()
    # Harakat can double a line's length, no more; longer lines are prose, whatever they say.
    if not stripped or len(stripped) > 2 * _LONGEST:
        return None
    key = line_key(stripped) if key is None else key
    if not key:
        return None
    if len(stripped) <= COPYRIGHT_MAX_CHARS and _COPYRIGHT_SIGN.search(stripped):
        return "copyright"
    for kind, (limit, pattern) in _COMPILED.items():
        if len(key) <= limit and pattern.fullmatch(key):
            return kind
    if len(key) <= MENU_MAX_CHARS and _MENU.fullmatch(key + " "):
        return "navigation"
    return _row_kind(stripped)


def _row_kind(line: str) -> str | None:
    """The kind of the first item of a row whose every item is boilerplate, else None."""
    if len(line) > MENU_MAX_CHARS * 2:
        return None
    items = [item for item in _ROW_SEPARATORS.split(line) if item.strip()]
    if len(items) < 2:
        return None
    kinds = [boilerplate_kind(item) for item in items]
    return kinds[0] if all(kinds) else None
