"""URL hygiene shared by every step: tracking parameters out, one canonical spelling."""

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "ito",
        "xtor",
        "at_medium",
        "at_campaign",
        "spm",
        "__twitter_impression",
        "mkt_tok",
        "vero_id",
        "oly_enc_id",
        "oly_anon_id",
        "rb_clickid",
        "s_cid",
    }
)
TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_", "at_")


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """Return `url` without utm_*, fbclid, gclid and other tracking parameters."""
    if not url or "?" not in url:
        return url
    parts = urlsplit(url)
    kept = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_parameter(k)
    ]
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True)))


def canonicalize_url(url: str) -> str:
    """One spelling per address: no tracking, no fragment, lower-case host, stable encoding.

    Arabic paths are compared decoded-then-requoted so `%D8%A7` and `ا` are the same URL.
    """
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(strip_tracking(url))
    if parts.scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    return urlunsplit((parts.scheme.lower(), host, path, parts.query, ""))
