"""Backup and restore of one deployment: the PostgreSQL database (``pg_dump -Fc``) and the
uploaded files under MEDIA_ROOT, in one tar with a manifest of SHA-256 checksums and the row
count of every table (``manage.py backup`` / ``manage.py restore``; README "Recovery").

A restore first checks every checksum in the archive and refuses a damaged one before it
touches anything; then it replaces the database (``pg_restore --clean``) and the media
directory, and counts the rows again: the counts must equal the manifest's.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA_PREFIX = "media/"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("备份与恢复需要 PostgreSQL（DATABASE_URL=postgres://…）")
    env = dict(os.environ)
    env.update(
        PGHOST=str(db.get("HOST") or "127.0.0.1"),
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=str(db.get("USER") or ""),
        PGDATABASE=str(db["NAME"]),
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"找不到 {args[0]}：请安装 postgresql-client")
    if result.returncode != 0:
        raise BackupError(f"{args[0]} 失败：{result.stderr.strip()}")


def table_counts() -> dict[str, int]:
    """Rows per table of the current schema (every table, not only Django's models)."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def backup(target: Path) -> dict:
    """Write the backup tar to ``target``; returns the manifest."""
    env = _pg_env()
    media_root = Path(settings.MEDIA_ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        dump = Path(work) / DUMP
        counts = table_counts()
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump)], env)
        files = {DUMP: _sha256_file(dump)}
        media = media_files(media_root)
        for path in media:
            files[MEDIA_PREFIX + path.relative_to(media_root).as_posix()] = _sha256_file(path)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "database": settings.DATABASES["default"]["NAME"],
            "tables": counts,
            "files": files,
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=DUMP)
            for path in media:
                tar.add(path, arcname=MEDIA_PREFIX + path.relative_to(media_root).as_posix())
        partial.replace(target)  # a backup is either whole or absent
    return manifest


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r") as tar:
            handle = tar.extractfile(MANIFEST)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest = json.load(handle)
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{archive} 不是本系统的备份文件：{exc}")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}：不支持的备份格式 {manifest.get('format')!r}")
    return manifest


def verify(archive: Path) -> dict:
    """Check every file in the archive against the manifest; returns the manifest."""
    manifest = read_manifest(archive)
    expected = dict(manifest["files"])
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected:
                raise BackupError(f"备份中有清单之外的文件：{member.name}")
            if not member.isfile():
                raise BackupError(f"备份中的 {member.name} 不是普通文件")
            digest = hashlib.sha256()
            handle = tar.extractfile(member)
            while block := handle.read(1 << 20):
                digest.update(block)
            if digest.hexdigest() != expected.pop(member.name):
                raise BackupError(f"校验和不符，备份已损坏：{member.name}")
    if expected:
        raise BackupError(f"备份缺少文件：{', '.join(sorted(expected))}")
    return manifest


def restore(archive: Path) -> dict:
    """Replace the database and MEDIA_ROOT with the backup; returns the manifest."""
    manifest = verify(archive)
    env = _pg_env()
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(archive, "r") as tar:
            tar.extractall(work, filter="data")
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                env["PGDATABASE"],
                str(Path(work) / DUMP),
            ],
            env,
        )
        restored_media = Path(work) / MEDIA_PREFIX.rstrip("/")
        if media_root.exists():
            for child in media_root.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        media_root.mkdir(parents=True, exist_ok=True)
        if restored_media.exists():
            shutil.copytree(restored_media, media_root, dirs_exist_ok=True)
    counts = table_counts()
    if counts != manifest["tables"]:
        differ = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(f"恢复后的行数与备份清单不一致：{', '.join(differ)}")
    return manifest
