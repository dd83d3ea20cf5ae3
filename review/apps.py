from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "县级监管"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the model registry is
        # ready, and these modules import models.
        from cases.workflow.hooks import case_transitioned, late_objection_recorded
        from relief import navigation
        from relief.models import Role
        from review.services import filing_create_for_event, on_late_objection_recorded

        # 备案: every township decision is filed to the county inside the transition's
        # transaction, after cases' own receivers.
        case_transitioned.connect(filing_create_for_event, dispatch_uid="review.filing")

        # The inbox's and the statistics' filing counts (FilingTally) follow every write of
        # a filing in its transaction; check_summaries / rebuild_summaries cover the tally.
        from django.db.models.signals import post_delete, post_save, pre_save

        from cases.stats.services import register_summary
        from review import tallies
        from review.models import Filing

        pre_save.connect(
            tallies.tally_before_filing_saved, sender=Filing, dispatch_uid="review.tally_pre"
        )
        post_save.connect(tallies.tally_on_filing_saved, sender=Filing, dispatch_uid="review.tally")
        post_delete.connect(
            tallies.tally_on_filing_deleted, sender=Filing, dispatch_uid="review.tally_del"
        )
        register_summary("filings", compare=tallies.compare, rebuild=tallies.rebuild)
        # A notice objection after the period is registered as a county complaint, in the
        # objection's transaction.
        late_objection_recorded.connect(
            on_late_objection_recorded, dispatch_uid="review.late_objection"
        )

        registered = {item.url_name for item in navigation.NAV_ITEMS}
        for item in (
            navigation.NavItem(
                "入户抽查", "review:campaigns", (Role.COUNTY_SUPERVISOR, Role.COUNTY_VERIFIER), 41
            ),
            navigation.NavItem("举报投诉", "review:complaints", (Role.COUNTY_SUPERVISOR,), 42),
            navigation.NavItem(
                "县级监管", "review:township", (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER), 45
            ),
        ):
            if item.url_name not in registered:
                navigation.register(item)
