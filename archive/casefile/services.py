"""Generating a case file: the 档号 is assigned once, the PDF is built from the record, and
its SHA-256 is recorded with who generated it (so a file handed out can be matched later)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from archive.casefile.build import BuiltFile, build_case_file
from archive.casefile.numbers import archive_number_for
from archive.models import ArchiveAccessLog, ArchiveExport, CaseFileRecord
from cases.models import Case
from relief.models import Role, User

#: Who may generate a case file of a case they can see (township and county staff).
CASE_FILE_ROLES = (
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
    Role.COUNTY_VERIFIER,
)


def may_generate_case_file(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(*CASE_FILE_ROLES))


def case_file_generate(
    *,
    case: Case,
    actor: User,
    generated_at: datetime.datetime | None = None,
    export: ArchiveExport | None = None,
    file_name: str = "",
    client_address: str | None = None,
) -> tuple[BuiltFile, CaseFileRecord]:
    """Build the case file of ``case`` (the caller got it through a scoped selector).

    Inside an export, ``generated_at`` is the export's own stamp and the record is kept
    once per export and case, so a retried export gives the same bytes and one record."""
    if not may_generate_case_file(actor):
        raise PermissionDenied("您的角色不能生成案卷")
    number = archive_number_for(case).number
    stamp = (generated_at or timezone.now()).replace(microsecond=0)
    built = build_case_file(
        case,
        archive_number=number,
        generated_at=timezone.localtime(stamp),
        generated_by_name=str(actor),
    )
    with transaction.atomic():
        values = {
            "archive_number": number,
            "sha256": built.sha256,
            "pages": built.pages,
            "size": len(built.content),
            "generated_at": stamp,
            "generated_by": actor,
            "file_name": file_name,
        }
        if export is not None:
            record, _ = CaseFileRecord.objects.update_or_create(
                export=export, case=case, defaults=values
            )
        else:
            record = CaseFileRecord.objects.create(case=case, **values)
            ArchiveAccessLog.objects.create(
                action=ArchiveAccessLog.Action.CASE_FILE,
                actor=actor,
                case_ids=[case.pk],
                note=f"{number} SHA-256 {built.sha256}",
                client_address=client_address,
            )
    return built, record
