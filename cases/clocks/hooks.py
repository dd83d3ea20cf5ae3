"""The daily deadline scan's hook point: the apps above cases fold their own dated work into
the one scan (one engine) instead of a second. Receivers are connected in their app's
``AppConfig.ready()`` with a ``dispatch_uid``, never on import."""

from django.dispatch import Signal

#: Sent by ``cases.clocks.services.scan_deadlines`` inside its transaction, before the clocks
#: are marked, so the cases a receiver opens (with their clocks) are flagged in the same run.
#: receiver(sender, *, today, now, **kwargs) -> int (cases opened). An exception rolls the
#: scan back; receivers must be safe to run twice on the same day.
deadline_scan_started = Signal()
