from django import template

from khabar.reader.text import article_lead, text_paragraphs

register = template.Library()

register.filter("lead", article_lead)
register.filter("paragraphs", text_paragraphs)
