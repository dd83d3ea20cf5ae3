"""The two moments other code may hook into a transition. Receivers are connected in their
app's ``AppConfig.ready()`` with a ``dispatch_uid``, so they run in INSTALLED_APPS order
(cases' own first, in the order ``CasesConfig.ready()`` states); never on import."""

from django.dispatch import Signal

#: Sent inside the transition's transaction, after the signed CaseEvent row is written.
#: receiver(sender, *, case, event, **kwargs); an exception rolls the transition back.
case_transitioned = Signal()
#: Sent after the transaction commits. receiver(sender, *, case_id, event_id, **kwargs).
case_transition_committed = Signal()
