from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "县级监管"

    def ready(self) -> None:
        # 备案: every township decision is filed to the county inside the transition's
        # transaction (issue 4); registered here so cases/ never imports review/.
        from cases import workflow
        from review.services import filing_create_for_event

        if filing_create_for_event not in workflow.IN_TRANSACTION:
            workflow.IN_TRANSACTION.append(filing_create_for_event)
