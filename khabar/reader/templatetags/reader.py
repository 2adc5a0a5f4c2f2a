from django import template

from khabar.reader.text import article_lead, text_paragraphs
from khabar.tagging.labels import topic_name

register = template.Library()

register.filter("lead", article_lead)
register.filter("paragraphs", text_paragraphs)
register.filter("topic_name", topic_name)
