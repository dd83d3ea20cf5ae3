from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from relief.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump -Fc) and MEDIA_ROOT into one tar with checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output",
            nargs="?",
            help="the tar to write (default: var/backups/relief-<local time>.tar)",
        )

    def handle(self, *args, output=None, **options):
        target = Path(
            output
            or Path(settings.VAR_DIR)
            / "backups"
            / f"relief-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
        )
        try:
            manifest = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc))
        rows = sum(manifest["tables"].values())
        media = len(manifest["files"]) - 1
        self.stdout.write(
            f"{target}: {len(manifest['tables'])} tables, {rows} rows, {media} media files"
        )
