from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relief.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: checks every checksum first, then "
        "replaces the database and MEDIA_ROOT and compares the row counts with the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--verify-only", action="store_true", help="check the checksums, change nothing"
        )
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the database"
        )

    def handle(self, *args, archive, verify_only=False, yes=False, **options):
        path = Path(archive)
        try:
            if verify_only:
                manifest = verify(path)
                self.stdout.write(f"{path}: intact ({len(manifest['files'])} files)")
                return
            if (
                not yes
                and input("This replaces the whole database and every uploaded file. Type yes: ")
                != "yes"
            ):
                raise CommandError("Not restored.")
            manifest = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"restored {path} (made {manifest['created_at']}): "
            f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
            f"{len(manifest['files']) - 1} media files, row counts match the manifest"
        )
