"""The two moments other code may hook into a transition. Receivers are connected in their
app's ``AppConfig.ready()`` with a ``dispatch_uid``, so they run in INSTALLED_APPS order
(cases' own first, in the order ``CasesConfig.ready()`` states); never on import."""

from dataclasses import dataclass, field

from django.dispatch import Signal

#: Sent inside the transition's transaction, after the signed CaseEvent row is written.
#: receiver(sender, *, case, event, **kwargs); an exception rolls the transition back.
case_transitioned = Signal()
#: Sent after the transaction commits. receiver(sender, *, case_id, event_id, **kwargs).
case_transition_committed = Signal()


@dataclass(frozen=True)
class CasePanel:
    """A card an app above cases adds to the case page: its template (included with
    ``panel`` in the context) and what the template reads; lower ``order`` first."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


#: Sent by the case page (``cases.workflow.views``) while it builds its context, so the apps
#: above cases can show what they know about the case without cases importing them (funds:
#: a live 失信记录 of a member of the household). receiver(sender, *, case, user, **kwargs)
#: -> CasePanel | None; read only, never a write.
case_page_panels = Signal()

#: Sent inside the writing transaction when a signed decision changes a confirmed case's
#: monthly amount from a date (the county's 依法纠正, review.services
#: .correction_change_amount), after the case's amount and its CaseEvent are written, so the
#: apps above cases (funds: the recipient register) follow without the sender importing them.
#: receiver(sender, *, case, event, actor, old_amount, new_amount, effective_from, reason,
#: **kwargs); an exception rolls the whole change back.
case_amount_changed = Signal()

#: Sent inside the recording transaction when a notice objection arrives after the period
#: (or for a household with no open notice) and is recorded as a complaint
#: (cases.notices.services.objection_record), after the objection row and the case's
#: complaint flag are written and before its CaseEvent (which names the numbers answered),
#: so the county's complaint register (review) takes it without cases importing review.
#: receiver(sender, *, objection, actor, **kwargs) -> the complaint's number (str) or None;
#: an exception rolls the objection back. Receivers must be idempotent: the same objection
#: may be sent again.
late_objection_recorded = Signal()
