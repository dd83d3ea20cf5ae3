"""What the register asks of the apps that build on it, without importing them (the rosters
import the register, so the register may not import the rosters).

``locked_roster_months``: sent by ``recipient_change`` (and ``first_open_month``) with
``recipient`` and ``month``; a receiver returns the months from ``month`` on whose roster of
the recipient's township and assistance type is locked (funds.rosters answers, connected
when its models load). No receiver: nothing is locked.
"""

from __future__ import annotations

from django.dispatch import Signal

locked_roster_months = Signal()
