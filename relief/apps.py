from django.apps import AppConfig


class ReliefConfig(AppConfig):
    name = "relief"
    verbose_name = "基础设置"

    def ready(self) -> None:
        from relief import checks  # noqa: F401  (registers the system checks)
