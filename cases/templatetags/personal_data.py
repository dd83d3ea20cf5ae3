"""``{{ number|id_mask }}``: ID numbers are shown masked by default (PIPL treats them as
sensitive personal data); only the first and last four characters stay readable. Health and
disability details are never rendered into a page (``已登记`` and a logged reveal,
templates/cases/intake/_sensitive.html)."""

from django import template

from cases.intake.idnumbers import mask, mask_changes
from cases.intake.reveal import may_reveal as kind_offered
from cases.intake.reveal import may_reveal_id_numbers as reveal_offered
from relief.masking import mask_health_details

register = template.Library()


@register.filter
def id_mask(number: str | None) -> str:
    return mask(number) if number else ""


@register.filter
def may_reveal_id_numbers(user) -> bool:
    """Whether to offer the 显示 button; the reveal itself checks region and role."""
    return reveal_offered(user)


@register.filter
def may_reveal(user, kind: str) -> bool:
    """``{% if request.user|may_reveal:"health" %}``: whether to offer the reveal of a
    member's ``kind`` value; the reveal itself checks region and role."""
    return kind_offered(user, kind)


@register.filter
def masked_changes(changes: dict | None) -> list[tuple[str, list]]:
    """A household edit's changes, ID numbers, health and disability masked:
    ``{% for k, v in e.changes|masked_changes %}``."""
    return list(mask_changes(changes).items())


@register.filter
def health_masked(step: str | None) -> str:
    """A computation step with a member's disability type and grade masked."""
    return mask_health_details(step or "")
