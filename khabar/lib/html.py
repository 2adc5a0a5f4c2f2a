"""The one HTML sanitizer (nh3). It runs last before storage so nothing can re-add unsafe HTML.

STUB: owned by the extraction helper; the signature below is the contract.
"""

import nh3


def sanitize_html(html: str, *, base_url: str = "") -> str:
    """Safe HTML: no scripts, styles or handlers; allowlisted iframes; rel="noopener nofollow"."""
    return nh3.clean(html or "")
