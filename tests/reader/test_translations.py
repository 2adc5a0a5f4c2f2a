import re
from pathlib import Path

from django.conf import settings

ARABIC_PO = Path(settings.BASE_DIR) / "locale" / "ar" / "LC_MESSAGES" / "django.po"
EMPTY_MSGSTR = re.compile(r'^msgstr(\[\d\])? ""\n(?!")', re.M)


def test_every_interface_string_has_an_arabic_translation():
    text = ARABIC_PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first entry is the header
    untranslated = [entry for entry in entries if EMPTY_MSGSTR.search(entry + "\n")]
    assert untranslated == []
    assert "fuzzy" not in text  # gettext skips fuzzy entries: they would show in English
