"""The case page's action forms: a transition (the state the user saw, the opinion, the panel
meeting a confirmation names) and the county's home visit. The rules stay in the services."""

from __future__ import annotations

from django import forms


class TransitionForm(forms.Form):
    state = forms.CharField(required=False, max_length=40)
    opinion = forms.CharField(label="意见", required=False, strip=True)
    panel_meeting = forms.IntegerField(
        label="评审会议",
        required=False,
        min_value=1,
        error_messages={"invalid": "请选择评审会议", "min_value": "请选择评审会议"},
    )


class CountyVisitForm(forms.Form):
    opinion = forms.CharField(label="入户核查意见", required=False, strip=True)


def form_refusal(form: forms.Form) -> str:
    """A refused form's errors as one line for the page's message."""
    return "；".join(
        f"{form.fields[name].label or name}：{'；'.join(errors)}"
        if name in form.fields
        else "；".join(errors)
        for name, errors in form.errors.items()
    )
