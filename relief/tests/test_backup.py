"""manage.py backup / restore: the database and the uploaded files round-trip to the same row
counts and file checksums; a damaged backup is refused before anything is touched."""

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relief.backup import read_manifest, table_counts
from relief.models import Notification, Region


def _checksums(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_backup_needs_postgresql(settings, tmp_path):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("runs on SQLite only")
    with pytest.raises(CommandError, match="备份与恢复需要 PostgreSQL"):
        call_command("backup", str(tmp_path / "b.tar"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_rows_and_files(demo, settings, tmp_path):
    media = tmp_path / "media"
    (media / "archive" / "2026" / "12").mkdir(parents=True)
    (media / "archive" / "2026" / "12" / "scan.pdf").write_bytes(b"%PDF-1.7 scan " * 100)
    (media / "review" / "photo.png").parent.mkdir(parents=True)
    (media / "review" / "photo.png").write_bytes(bytes(range(256)) * 10)
    settings.MEDIA_ROOT = media
    clerk = demo.user("clerk")
    for n in range(3):
        Notification.objects.create(recipient=clerk, verb=f"通知{n}")
    counts, files = table_counts(), _checksums(media)
    archive = tmp_path / "backup.tar"

    call_command("backup", str(archive))
    manifest = read_manifest(archive)
    assert manifest["tables"] == counts and manifest["tables"]["relief_region"] > 0
    assert {k.removeprefix("media/") for k in manifest["files"] if k != "database.dump"} == set(
        files
    )

    # Damage after the backup: rows deleted and changed, a file lost, another changed.
    Notification.objects.all().delete()
    Region.objects.filter(code="340521100000").update(name="改过的名称")
    (media / "review" / "photo.png").unlink()
    (media / "archive" / "2026" / "12" / "scan.pdf").write_bytes(b"overwritten")
    (media / "stray.txt").write_text("made after the backup")

    call_command("restore", str(archive), "--yes")
    assert table_counts() == counts
    assert _checksums(media) == files
    assert Notification.objects.filter(recipient=clerk).count() == 3
    assert Region.objects.get(code="340521100000").name == "姑孰镇"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_changes(demo, settings, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.bin").write_bytes(b"original")
    settings.MEDIA_ROOT = media
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive))
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "media/a.bin":
                data = b"tampered"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    (media / "a.bin").write_bytes(b"current")
    before = table_counts()
    with pytest.raises(CommandError, match="校验和不符，备份已损坏：media/a.bin"):
        call_command("restore", str(damaged), "--yes")
    assert (media / "a.bin").read_bytes() == b"current" and table_counts() == before
    with pytest.raises(CommandError, match="不是本系统的备份文件"):
        call_command("restore", str(tmp_path / "media" / "a.bin"), "--verify-only")
