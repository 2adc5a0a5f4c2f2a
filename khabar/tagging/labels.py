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
