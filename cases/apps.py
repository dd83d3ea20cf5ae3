from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "救助案件"

    def ready(self) -> None:
        from cases import workflow
        from cases.notifications import notify_next_actors
        from cases.signals import install_caseevent_trigger

        # The append-only trigger on the case log (PostgreSQL), after every migrate.
        post_migrate.connect(
            install_caseevent_trigger, sender=self, dispatch_uid="cases_caseevent_trigger"
        )
        if notify_next_actors not in workflow.AFTER_COMMIT:
            workflow.AFTER_COMMIT.append(notify_next_actors)
        # Case clocks (issue 5): registers its IN_TRANSACTION callback on import.
        import cases.clocks  # noqa: F401
