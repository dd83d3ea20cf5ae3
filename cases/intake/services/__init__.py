"""Intake services (DOMAIN §3–5, §7–8), one module per concern: ``application``,
``household``, ``survey``, ``checks``, ``near_relatives``, ``amounts`` (``common`` holds
their shared helpers).

Views, API views and the import all call these; each validates everything first and
raises ``ValidationError`` with a dict of field → Chinese messages (member rows use the
formset keys ``members-<i>-<field>``), then writes inside one transaction, so nothing is
ever half-saved. State changes go through ``cases.workflow.services.case_transition`` only.
"""
