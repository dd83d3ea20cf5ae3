from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        # Intake registers its IN_TRANSACTION hook on cases.workflow (the 一次性告知 list is
        # frozen when documents are requested, from any screen or the API).
        import cases.services  # noqa: F401

        # Models and navigation are importable only once the app registry is ready.
        from relief.models import Role
        from relief.navigation import NavItem, register

        register(
            NavItem(
                "档案导出", "archive:exports", (Role.COUNTY_SUPERVISOR, Role.TOWNSHIP_CLERK), 62
            )
        )
