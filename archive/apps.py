from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before the model registry is ready.
        from relief.models import Role
        from relief.navigation import NavItem, register

        register(
            NavItem(
                "档案导出", "archive:exports", (Role.COUNTY_SUPERVISOR, Role.TOWNSHIP_CLERK), 62
            )
        )
