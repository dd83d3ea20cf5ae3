from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        # Intake registers its IN_TRANSACTION hook on cases.workflow (the 一次性告知 list is
        # frozen when documents are requested, from any screen or the API).
        import cases.services  # noqa: F401
