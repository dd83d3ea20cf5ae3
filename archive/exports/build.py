"""Write an export's ZIP to disk, case by case.

- One PDF per case (archive/casefile), in a folder per village, named 档号 + masked name;
  ``manifest.csv`` (档号, 案件编号, 文件名, 页数, SHA-256, 生成时间) through relief/exports.py
  and ``manifest.sha256`` in the format ``sha256sum -c`` reads.
- The ZIP is written entry by entry to ``<name>.zip.part`` (only one case file in memory at
  a time) and renamed when complete: a half-written ZIP is never offered.
- Every file is generated at the export's own stamp (``requested_at``) and every ZIP entry
  carries that date, so a retried run (a worker that died mid-way: the task is delivered
  again, acks late) restarts from the beginning and writes the same bytes for unchanged
  cases. A run that finds the export finished or cancelled does nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from archive.casefile.services import case_file_generate
from archive.models import ArchiveExport
from archive.selectors import archive_cases_for_user
from relief.exports import sha256_of_file, write_csv
from relief.jobs import job_fail, job_finish, job_progress

#: Where finished exports are kept, below MEDIA_ROOT (served only through the download view).
EXPORT_DIR = "archive_exports"
CHUNK = 50
MANIFEST_HEADER = ("档号", "案件编号", "文件名", "页数", "SHA-256", "生成时间")


class ExportCancelled(Exception):
    pass


class RightsChanged(Exception):
    pass


def export_file_path(export: ArchiveExport) -> str:
    return os.path.join(settings.MEDIA_ROOT, export.file_path)


def masked_name(name: str) -> str:
    """Surname kept, the rest masked (DOMAIN §8): 张三丰 → 张**."""
    name = (name or "").strip()
    if not name:
        return "未登记"
    return name[0] + "*" * (len(name) - 1 or 1)


def _safe(part: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|\0' else c for c in part).strip() or "_"


def zip_name(export: ArchiveExport) -> str:
    c = export.criteria
    return f"档案导出-{export.pk}-{c['date_from']}至{c['date_to']}.zip"


def _eta(started: float, done: int, total: int) -> str:
    if done == 0:
        return "正在估算剩余时间"
    remaining = (time.monotonic() - started) / done * (total - done)
    if remaining < 60:
        return f"预计剩余 {int(remaining) + 1} 秒"
    return f"预计剩余 {int(remaining // 60)} 分 {int(remaining % 60)} 秒"


def _entry(name: str, date_time) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED  # PDFs are compressed already
    info.external_attr = 0o644 << 16
    return info


def export_build(job_id: int) -> ArchiveExport:
    """The body of archive.tasks.build_export."""
    export = ArchiveExport.objects.select_related("requested_by", "job").get(job_id=job_id)
    if export.finished:
        return export
    if export.cancel_requested:
        return _mark_cancelled(export)
    user = export.requested_by
    ArchiveExport.objects.filter(pk=export.pk).update(
        status=ArchiveExport.Status.RUNNING, started_at=timezone.now(), done=0
    )
    relative = os.path.join(EXPORT_DIR, str(export.pk), zip_name(export))
    final = os.path.join(settings.MEDIA_ROOT, relative)
    # A partial file of this run only: if the broker hands the task to a second worker while
    # the first still runs (a long export past the visibility timeout), the two never write
    # the same file; both produce the same bytes and the rename is atomic.
    partial = f"{final}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
    os.makedirs(os.path.dirname(final), exist_ok=True)
    _remove_stale_partials(os.path.dirname(final))
    stamp = timezone.localtime(export.requested_at)
    date_time = stamp.timetuple()[:6]
    total = len(export.case_ids)
    manifest: list[tuple] = []
    checksums: list[str] = []
    started = time.monotonic()
    job_progress(job_id, 0, f"已完成 0/{total} 件")
    try:
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            done = 0
            for offset in range(0, total, CHUNK):
                ids = export.case_ids[offset : offset + CHUNK]
                cases = {c.pk: c for c in archive_cases_for_user(user=user).filter(pk__in=ids)}
                for case_id in ids:
                    if _cancel_requested(export):
                        raise ExportCancelled
                    case = cases.get(case_id)
                    if case is None:
                        raise RightsChanged("导出期间申请人的权限已变更，有案件无权查看")
                    folder = f"{_safe(case.township.name)}/{_safe(case.village.name)}"
                    applicant = case.applicant.name if case.applicant is not None else ""
                    try:
                        built, record = case_file_generate(
                            case=case, actor=user, generated_at=export.requested_at, export=export
                        )
                    except PermissionDenied as exc:
                        raise RightsChanged(f"导出期间申请人的权限已变更：{exc}")
                    name = f"{folder}/{_safe(record.archive_number)}_{masked_name(applicant)}.pdf"
                    if record.file_name != name:
                        type(record).objects.filter(pk=record.pk).update(file_name=name)
                    archive.writestr(_entry(name, date_time), built.content)
                    manifest.append(
                        (
                            record.archive_number,
                            case.number,
                            name,
                            built.pages,
                            built.sha256,
                            stamp.strftime("%Y-%m-%d %H:%M:%S"),
                        )
                    )
                    checksums.append(f"{built.sha256}  {name}\n")
                    done += 1
                    ArchiveExport.objects.filter(pk=export.pk).update(done=done)
                    job_progress(
                        job_id,
                        int(done * 100 / total) if done < total else 99,
                        f"已完成 {done}/{total} 件，{_eta(started, done, total)}",
                    )
                    del built
            text = io.StringIO()
            write_csv(text, header=MANIFEST_HEADER, rows=manifest)
            manifest_bytes = text.getvalue().encode("utf-8")
            archive.writestr(_entry("manifest.csv", date_time), manifest_bytes)
            checksums.append(f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.csv\n")
            archive.writestr(_entry("manifest.sha256", date_time), "".join(checksums))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        digest, size = sha256_of_file(partial), os.path.getsize(partial)
        os.replace(partial, final)
    except ExportCancelled:
        _remove(partial)
        return _mark_cancelled(export)
    except RightsChanged as exc:
        _remove(partial)
        _mark_failed(export, str(exc))
        return export
    except BaseException:
        _remove(partial)
        raise
    ArchiveExport.objects.filter(pk=export.pk).update(
        status=ArchiveExport.Status.DONE,
        finished_at=timezone.now(),
        file_path=relative,
        file_name=zip_name(export),
        file_size=size,
        file_sha256=digest,
        message=f"已完成 {total} 件",
    )
    job_finish(job_id, message=f"已完成 {total}/{total} 件")
    export.refresh_from_db()
    return export


def _cancel_requested(export: ArchiveExport) -> bool:
    return ArchiveExport.objects.filter(pk=export.pk, cancel_requested=True).exists()


def _mark_cancelled(export: ArchiveExport) -> ArchiveExport:
    ArchiveExport.objects.filter(pk=export.pk).update(
        status=ArchiveExport.Status.CANCELLED, finished_at=timezone.now(), message="已取消"
    )
    job_fail(export.job_id, message="已取消")
    export.refresh_from_db()
    return export


def export_mark_failed(job_id: int, message: str) -> None:
    """A run that failed for good (not a transient error): the export says so."""
    export = ArchiveExport.objects.filter(job_id=job_id).first()
    if export is not None and not export.finished:
        _mark_failed(export, message)


def _mark_failed(export: ArchiveExport, message: str) -> None:
    ArchiveExport.objects.filter(pk=export.pk).update(
        status=ArchiveExport.Status.FAILED, finished_at=timezone.now(), message=message[:300]
    )
    job_fail(export.job_id, message=message)


#: A running export touches its partial file with every case; older ones are left-overs of
#: a run that died.
STALE_PARTIAL_SECONDS = 600


def _remove_stale_partials(folder: str) -> None:
    now = time.time()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".part") and now - os.path.getmtime(path) > STALE_PARTIAL_SECONDS:
            _remove(path)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
