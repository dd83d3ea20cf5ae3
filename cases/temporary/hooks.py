"""What cases.temporary tells the apps above it (funds turns a grant into a payment line).
Receivers are connected in their app's ``AppConfig.ready()`` with a ``dispatch_uid``."""

from django.dispatch import Signal

#: Sent inside the grant's transaction, after the EmergencyGrant row is written:
#: receiver(sender, *, grant, **kwargs). An exception rolls the grant back (nothing half-saved).
emergency_grant_recorded = Signal()
