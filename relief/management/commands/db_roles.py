import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from relief.dbroles import create_roles, log_tables


class Command(BaseCommand):
    help = (
        "Create the owner role (owns the schema; migrations run as it) and the application "
        "role (SELECT/INSERT only on the log tables) on PostgreSQL. Run with a DATABASE_URL "
        "whose role may create roles; passwords come from DB_OWNER_PASSWORD / DB_APP_PASSWORD."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_roles needs PostgreSQL (DATABASE_URL=postgres://…)")
        owner, app = settings.DB_OWNER_ROLE, settings.DB_APP_ROLE
        create_roles(
            connection,
            owner=owner,
            owner_password=os.environ.get("DB_OWNER_PASSWORD", ""),
            app=app,
            app_password=os.environ.get("DB_APP_PASSWORD", ""),
        )
        self.stdout.write(
            f"owner role {owner} owns the schema; application role {app} has SELECT/INSERT "
            f"only on {len(log_tables())} log tables"
        )
