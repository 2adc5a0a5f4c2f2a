"""Realistic Arabic news pages around corpus articles, for extraction benchmarks.

Each page wraps one article in what a news site puts around it: meta tags (Open Graph,
article:published_time, author), JSON-LD, analytics scripts and inline CSS, a cookie banner,
a navigation menu, a breaking-news ticker, share buttons, an inline "read also" link and an
ad slot inside the body, tags, a newsletter box, related and most-read lists, and a footer.
The template text is written for khabar; only titles and bodies come from the corpus, and
pages are generated into a temporary directory at bench time, never committed.
"""

import html
import json
import random
import zlib
from email.utils import parsedate_to_datetime

MENU = (
    "الرئيسية",
    "الشرق الأوسط",
    "العالم",
    "اقتصاد",
    "رياضة",
    "تكنولوجيا",
    "ثقافة وفن",
    "صحة",
    "منوعات",
    "فيديو",
    "صور",
    "آراء",
)
FOOTER_LINKS = ("من نحن", "اتصل بنا", "سياسة الخصوصية", "شروط الاستخدام", "أعلن معنا", "وظائف")
SHARE = ("فيسبوك", "تويتر", "واتساب", "تلغرام", "لينكد إن")
TAGS = ("سياسة", "اقتصاد", "عاجل", "تقارير", "الخليج", "أوروبا", "الأمم المتحدة", "انتخابات")

# Markers of the template's boilerplate: an extractor that keeps any of them kept page chrome.
BOILERPLATE_MARKERS = (
    "نستخدم ملفات تعريف الارتباط",
    "اشترك في نشرتنا البريدية",
    "اقرأ أيضاً",
    "أخبار ذات صلة",
    "الأكثر قراءة",
    "جميع الحقوق محفوظة",
    "شارك هذا الخبر",
    "تابعونا على",
)

CSS = (
    "body{margin:0;font-family:'Noto Naskh Arabic',Tahoma,sans-serif;background:#fafafa}"
    ".site-header{background:#0b2545;color:#fff;padding:8px 16px}"
    ".main-menu ul{display:flex;gap:12px;list-style:none;margin:0;padding:0}"
    ".ticker{background:#c1121f;color:#fff;overflow:hidden;white-space:nowrap}"
    ".article-body p{font-size:1.15rem;line-height:1.9;margin:0 0 1em}"
    ".share a{display:inline-block;padding:4px 8px;border-radius:4px;background:#eee}"
    ".newsletter{border:1px solid #ddd;padding:16px;margin:24px 0}"
    ".related li,.most-read li{margin-bottom:8px}"
    "footer{background:#111;color:#aaa;padding:24px}"
) * 12
SCRIPT = (
    "(function(w,d){w.dataLayer=w.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
    "gtag('js',new Date());gtag('config','G-KHABAR-BENCH');var s=d.createElement('script');"
    "s.async=true;s.src='https://cdn.example/ads.js';d.head.appendChild(s);"
    "w.addEventListener('scroll',function(){var h=d.querySelector('.site-header');"
    "if(h){h.classList.toggle('sticky',w.scrollY>120);}});})(window,document);"
) * 20


def news_page(article: dict, *, related: list[dict], seed: int) -> str:
    """An HTML page for a corpus `article` (url, title, text, time, author, abstract, source)."""
    pick = random.Random(seed)
    outlet = outlet_name(article.get("source", ""))
    title = article["title"]
    published = iso_date(article.get("time", ""))
    paragraphs = [line.strip() for line in article.get("text", "").splitlines() if line.strip()]
    e = html.escape
    head = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>{e(title)} | {e(outlet)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{e(article.get("abstract", ""))}">
<meta property="og:site_name" content="{e(outlet)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(title)}">
<meta property="og:description" content="{e(article.get("abstract", ""))}">
<meta property="og:url" content="{e(article["url"])}">
<meta property="og:image" content="{e(image_url(article))}">
<meta property="article:published_time" content="{published}">
{author_meta(article)}<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="{e(article["url"])}">
<link rel="stylesheet" href="/static/css/main.min.css">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-KHABAR-BENCH"></script>
<script>{SCRIPT}</script>
<script type="application/ld+json">{json_ld(article, outlet=outlet, published=published)}</script>
<style>{CSS}</style>
</head>"""
    return "\n".join(
        (
            head,
            '<body class="article-page">',
            '<div class="cookie-banner">نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا. '
            "<button>موافق</button></div>",
            site_header(outlet, ticker=related[:4]),
            "<main>",
            "<article>",
            f'<nav class="breadcrumb"><a href="/">الرئيسية</a> › <a href="/section">'
            f"{e(pick.choice(MENU[1:]))}</a></nav>",
            f'<h1 class="headline">{e(title)}</h1>',
            byline(article, published=published),
            share_buttons(),
            f'<figure><img src="{e(image_url(article))}" alt="{e(title)}">'
            "<figcaption>صورة من الأرشيف</figcaption></figure>",
            article_body(paragraphs, read_also=related[0] if related else None),
            '<div class="tags"><span>الوسوم:</span> '
            + " ".join(
                f'<a href="/tag/{i}">{e(tag)}</a>' for i, tag in enumerate(pick.sample(TAGS, 4))
            )
            + "</div>",
            '<div class="share bottom"><span>شارك هذا الخبر</span>' + share_buttons() + "</div>",
            "</article>",
            newsletter_box(),
            link_list("related", "أخبار ذات صلة", related[:5]),
            link_list("most-read", "الأكثر قراءة", related[5:10]),
            "</main>",
            site_footer(outlet),
            '<script src="/static/js/app.min.js"></script>',
            f"<script>{SCRIPT}</script>",
            "</body>",
            "</html>",
        )
    )


def outlet_name(source: str) -> str:
    names = {
        "alarabia": "العربية",
        "BBC": "بي بي سي عربي",
        "CNN": "سي إن إن بالعربية",
        "france24": "فرانس 24",
        "skynews": "سكاي نيوز عربية",
    }
    return names.get(source, source or "موقع إخباري")


def iso_date(rfc822: str) -> str:
    try:
        return parsedate_to_datetime(rfc822).isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def image_url(article: dict) -> str:
    return f"https://images.example/{zlib.crc32(article['url'].encode())}.jpg"


def author_meta(article: dict) -> str:
    author = (article.get("author") or "").strip()
    return f'<meta name="author" content="{html.escape(author)}">\n' if author else ""


def json_ld(article: dict, *, outlet: str, published: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article["title"],
        "datePublished": published,
        "mainEntityOfPage": article["url"],
        "image": [image_url(article)],
        "publisher": {"@type": "Organization", "name": outlet},
    }
    if (article.get("author") or "").strip():
        data["author"] = {"@type": "Person", "name": article["author"].strip()}
    # "</" would end the script element early.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def site_header(outlet: str, *, ticker: list[dict]) -> str:
    e = html.escape
    menu = "".join(f'<li><a href="/section/{i}">{e(name)}</a></li>' for i, name in enumerate(MENU))
    news = "".join(f'<li><a href="{e(a["url"])}">{e(a["title"])}</a></li>' for a in ticker)
    return (
        f'<header class="site-header"><a class="logo" href="/">{e(outlet)}</a>'
        f'<nav class="main-menu"><ul>{menu}</ul></nav>'
        '<form class="search" action="/search"><input name="q" placeholder="ابحث في الموقع">'
        "<button>بحث</button></form>"
        f'<div class="ticker"><span>عاجل</span><ul>{news}</ul></div></header>'
    )


def byline(article: dict, *, published: str) -> str:
    author = html.escape((article.get("author") or "").strip())
    shown = html.escape(article.get("time", ""))
    author_html = f'<span class="author">{author}</span> ' if author else ""
    return f'<div class="byline">{author_html}<time datetime="{published}">{shown}</time></div>'


def share_buttons() -> str:
    links = "".join(
        f'<a class="share-{i}" href="https://share.example/{i}?u=page">{name}</a>'
        for i, name in enumerate(SHARE)
    )
    return f'<div class="share">{links}<button>نسخ الرابط</button></div>'


def article_body(paragraphs: list[str], *, read_also: dict | None) -> str:
    e = html.escape
    parts = []
    for index, paragraph in enumerate(paragraphs):
        parts.append(f"<p>{e(paragraph)}</p>")
        if index == 1 and read_also:
            parts.append(
                f'<div class="read-also">اقرأ أيضاً: <a href="{e(read_also["url"])}">'
                f"{e(read_also['title'])}</a></div>"
            )
            parts.append(
                '<div class="ad-slot"><span>إعلان</span><div id="ad-1"></div>'
                "<script>googletag.cmd.push(function(){googletag.display('ad-1');});</script></div>"
            )
    return f'<div class="article-body">{"".join(parts)}</div>'


def newsletter_box() -> str:
    return (
        '<aside class="newsletter"><h3>النشرة البريدية</h3>'
        "<p>اشترك في نشرتنا البريدية لتصلك أهم الأخبار كل صباح.</p>"
        '<form><input type="email" placeholder="بريدك الإلكتروني"><button>اشترك الآن</button>'
        "</form></aside>"
    )


def link_list(kind: str, heading: str, articles: list[dict]) -> str:
    e = html.escape
    items = "".join(f'<li><a href="{e(a["url"])}">{e(a["title"])}</a></li>' for a in articles)
    return f'<section class="{kind}"><h2>{heading}</h2><ul>{items}</ul></section>'


def site_footer(outlet: str) -> str:
    e = html.escape
    links = "".join(
        f'<li><a href="/page/{i}">{name}</a></li>' for i, name in enumerate(FOOTER_LINKS)
    )
    follow = " ".join(f'<a href="https://social.example/{i}">{n}</a>' for i, n in enumerate(SHARE))
    return (
        f'<footer><ul>{links}</ul><div class="social">تابعونا على: {follow}</div>'
        f"<p>© 2018 {e(outlet)}. جميع الحقوق محفوظة.</p></footer>"
    )
