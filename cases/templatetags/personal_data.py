"""``{{ number|id_mask }}``: ID numbers are shown masked by default (PIPL treats them as
sensitive personal data); only the first and last four characters stay readable."""

from django import template

from cases.intake.idnumbers import mask

register = template.Library()


@register.filter
def id_mask(number: str | None) -> str:
    return mask(number) if number else ""
