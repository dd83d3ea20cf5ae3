from django.apps import AppConfig
from django.db.models.signals import post_migrate

from funds.recipients.triggers import install_append_only_triggers


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "救助资金"

    def ready(self) -> None:
        # The register's change and reveal logs are append-only (PostgreSQL), after every migrate.
        post_migrate.connect(
            install_append_only_triggers, sender=self, dispatch_uid="funds_recipient_append_only"
        )
