from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReliefConfig(AppConfig):
    name = "relief"
    verbose_name = "基础设置"

    def ready(self) -> None:
        from relief import checks  # noqa: F401  (registers the system checks)
        from relief.dbroles import protect_logs_after_migrate  # needs the app registry

        post_migrate.connect(protect_logs_after_migrate, sender=self)
