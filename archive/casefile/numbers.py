"""档号 (archive numbers): the pattern is the policy setting ``archive_number_pattern``; the
sequence runs per scope (the pattern and the values it uses) and a case gets its number once."""

from __future__ import annotations

import string

from django.db import IntegrityError, transaction
from django.utils import timezone

from archive.models import ArchiveNumber, ArchiveSequence
from relief.policy import policy_for

#: {type} in the pattern: a short code per assistance category.
TYPE_CODES = {"dibao": "DB", "tekun": "TK", "temporary": "LS", "other": "QT"}


def archive_year(case) -> int:
    """The year a file belongs to: the decision, else 受理, else registration."""
    day = case.decided_on or case.accepted_on or timezone.localdate(case.created_at)
    return day.year


def _fields(case) -> dict:
    township = case.township
    county_code = (township.parent.code if township.parent_id else township.code)[:6]
    return {
        "county": county_code,
        "township": township.code[:9],
        "year": archive_year(case),
        "type": TYPE_CODES.get(case.assistance_type.category, "QT"),
    }


@transaction.atomic
def archive_number_for(case) -> ArchiveNumber:
    """The case's 档号, assigning the next number of its scope the first time."""
    existing = ArchiveNumber.objects.filter(case=case).first()
    if existing is not None:
        return existing
    pattern = policy_for(case.township, timezone.localdate()).archive_number_pattern
    fields = _fields(case)
    used = [name for _, name, _, _ in string.Formatter().parse(pattern) if name and name != "seq"]
    scope = "|".join([pattern, *(f"{name}={fields[name]}" for name in used)])[:60]
    try:
        with transaction.atomic():
            ArchiveSequence.objects.get_or_create(scope=scope)
    except IntegrityError:  # created at the same moment by another process
        pass
    sequence = ArchiveSequence.objects.select_for_update().get(scope=scope)
    existing = ArchiveNumber.objects.filter(case=case).first()  # re-read under the lock
    if existing is not None:
        return existing
    sequence.last += 1
    sequence.save(update_fields=["last"])
    number = pattern.format(**fields, seq=sequence.last)
    return ArchiveNumber.objects.create(case=case, number=number, scope=scope, seq=sequence.last)
