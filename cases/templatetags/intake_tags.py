"""``{% intake_context case as intake %}``: lets the intake partials (cases/_household.html
and friends) render on any page that has ``case`` and ``request``; the context is built
once per case and user per request (cases.intake.selectors.case_intake_context).
``{% intake_document_forms intake as documents_forms %}``: the documents section's forms,
unbound (a refused post passes its own bound ones in ``documents_forms``)."""

from django import template

from cases.intake.forms import document_forms
from cases.intake.selectors import case_intake_context

register = template.Library()


@register.simple_tag(takes_context=True)
def intake_context(context, case):
    user = context.get("user") or context["request"].user
    key = f"_intake_context_{user.pk}"
    cached = getattr(case, key, None)
    if cached is None:
        cached = case_intake_context(case, user)
        setattr(case, key, cached)
    return cached


@register.simple_tag
def intake_document_forms(intake):
    return document_forms(intake["checklist"])
