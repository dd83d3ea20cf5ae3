"""The one way a form field is drawn (``templates/forms/_field.html``): Bootstrap classes by
widget, ``is-invalid`` when the field has errors. Django adds ``aria-invalid`` and
``aria-describedby`` (``<id>_error``, ``<id>_helptext``) itself; the template gives those ids."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_DEFAULT_TEXTAREA_ROWS = "10"  # Django's Textarea default, too tall for these pages


def _base_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.simple_tag
def field_widget(field: BoundField, size: str = "") -> SafeString:
    """The field's widget with its classes; ``size="sm"`` for the compact inputs of a table."""
    widget = field.field.widget
    classes = str(widget.attrs.get("class", "")).split()
    base = _base_class(widget)
    if base not in classes:
        classes.insert(0, base)
    if size and base in ("form-control", "form-select") and f"{base}-{size}" not in classes:
        classes.append(f"{base}-{size}")
    if field.errors and "is-invalid" not in classes:
        classes.append("is-invalid")
    attrs = {"class": " ".join(classes)}
    if isinstance(widget, forms.DateInput) and widget.input_type == "date":
        widget.format = "%Y-%m-%d"  # what <input type="date"> reads, whatever the locale
    if isinstance(widget, forms.Textarea) and widget.attrs.get("rows") == _DEFAULT_TEXTAREA_ROWS:
        attrs["rows"] = "3"
    return field.as_widget(attrs=attrs)


def _summary_items(form: forms.BaseForm) -> list[tuple[str, str]]:
    items = []
    for name, errors in form.errors.items():
        href = f"#{form[name].auto_id}" if name in form.fields else ""
        items.extend((href, str(message)) for message in errors)
    return items


@register.simple_tag
def error_summary_items(*forms_or_formsets: object) -> list[tuple[str, str]]:
    """(link to the field or "", message) for every error of the given forms and formsets, in
    page order; values that are neither (an unset template variable) are skipped."""
    items: list[tuple[str, str]] = []
    for entry in forms_or_formsets:
        if isinstance(entry, list | tuple):
            items.extend(error_summary_items(*entry))
        elif isinstance(entry, forms.BaseFormSet):
            if entry.is_bound:
                items.extend(("", str(message)) for message in entry.non_form_errors())
                for form in entry.forms:
                    items.extend(_summary_items(form))
        elif isinstance(entry, forms.BaseForm) and entry.is_bound:
            items.extend(_summary_items(entry))
    return items


@register.inclusion_tag("forms/_filter_select.html")
def filter_select(field: BoundField) -> dict:
    """A drop-down of a list's filter bar (case list, recipient register): the choices read
    once (a template looping over a model choice field's iterator first COUNTs its rows),
    each option selected when it equals the field's value as text."""
    current = str(field.value())
    options = [
        ("" if value is None else str(value), text, str(value) == current)
        for value, text in iter(field.field.choices)
    ]
    return {"name": field.name, "label": field.label, "options": options}
