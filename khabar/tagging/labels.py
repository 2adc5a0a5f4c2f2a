"""How topic labels and entity types are shown to readers, in their language."""

from django.utils.translation import gettext_lazy as _

TOPIC_NAMES = {
    "politics": _("Politics"),
    "economy": _("Economy"),
    "sport": _("Sport"),
    "culture": _("Culture"),
    "technology": _("Technology"),
    "science": _("Science"),
    "health": _("Health"),
    "religion": _("Religion"),
    "society": _("Society"),
    "environment": _("Environment"),
    "world": _("World"),
    "middle-east": _("Middle East"),
}


def topic_name(label: str) -> str:
    """The label in the reader's language; a label from a newer model shows as it is."""
    return str(TOPIC_NAMES.get(label, label))


def topic_label(value: str) -> str | None:
    """The label a reader means by `value`: the label itself (sport, middle-east) or its name
    in Arabic or English (رياضة، الشرق الأوسط، Sport), in any spelling; None if no topic."""
    from django.utils import translation

    from khabar.arabic import normalize

    wanted = normalize(" ".join(value.replace("-", " ").split()))
    names = {}
    for language in ("ar", "en"):
        with translation.override(language):
            for label, name in TOPIC_NAMES.items():
                names[normalize(str(name))] = label
                names[normalize(label.replace("-", " "))] = label
    return names.get(wanted) or names.get(wanted.removeprefix("ال"))
