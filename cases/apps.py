from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "救助案件"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the model registry is
        # ready, and these modules import models.
        from django.db.models.signals import post_delete, post_save, pre_delete

        from archive.models import Document
        from cases.clocks.services import clock_on_transition
        from cases.intake.services.application import (
            checklist_freeze_on_request,
            documents_complete_on_document_change,
        )
        from cases.models import Case, CaseClock
        from cases.stats import services as stats
        from cases.workflow.hooks import case_transition_committed, case_transitioned
        from cases.workflow.notifications import notify_facts_ready, notify_next_actors

        # The case log's append-only trigger and grants come with every other log table's
        # (relief/dbroles.py, after every migrate).
        # Transition side effects, in this order; apps above connect theirs in their own
        # ready(), so they run after these, in INSTALLED_APPS order (docs/architecture.md).
        # Inside the transaction: 1. the case clock follows the state; 2. the 一次性告知 list
        # is frozen when documents are requested.
        case_transitioned.connect(clock_on_transition, dispatch_uid="cases.clocks")
        case_transitioned.connect(
            checklist_freeze_on_request, dispatch_uid="cases.intake.checklist"
        )
        # The checklist follows the documents: attaching or removing one of an item's kind
        # changes whether the case's documents are complete (in the upload's transaction).
        for signal, uid in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(
                documents_complete_on_document_change,
                sender=Document,
                dispatch_uid=f"cases.intake.checklist_document_{uid}",
            )
        # After commit: 1. the people who act next are notified.
        case_transition_committed.connect(notify_next_actors, dispatch_uid="cases.notify_next")
        # 2. when a case's check report and survey are both in, its clerks hear of it.
        post_save.connect(notify_facts_ready, sender=Case, dispatch_uid="cases.facts_ready")
        # The dashboards' summary tables follow every save of a case or its clock, in the
        # saving transaction (a transition's own: its rollback takes the counts back too).
        post_save.connect(stats.tally_on_case_saved, sender=Case, dispatch_uid="cases.stats.case")
        post_save.connect(
            stats.tally_on_clock_saved, sender=CaseClock, dispatch_uid="cases.stats.clock"
        )
        pre_delete.connect(
            stats.tally_on_case_deleted, sender=Case, dispatch_uid="cases.stats.case_deleted"
        )
        post_delete.connect(
            stats.tally_on_clock_deleted, sender=CaseClock, dispatch_uid="cases.stats.clock_del"
        )
        # The case page's emergency card (急难型临时救助: grants, clocks, skipped steps).
        from cases.temporary.panels import on_case_page as emergency_panel
        from cases.workflow.hooks import case_page_panels

        case_page_panels.connect(emergency_panel, dispatch_uid="cases.temporary.panel")
        # The case page's referral card (一门受理、协同办理).
        from cases.referrals.panels import on_case_page as referral_panel

        case_page_panels.connect(referral_panel, dispatch_uid="cases.referrals.panel")
        # Navigation: the emergency list and entry for the clerk and the village assistant.
        from relief import navigation
        from relief.models import Role

        registered = {item.url_name for item in navigation.NAV_ITEMS}
        for item in (
            navigation.NavItem(
                "急难救助",
                "cases:emergency_list",
                (
                    Role.VILLAGE_ASSISTANT,
                    Role.TOWNSHIP_CLERK,
                    Role.TOWNSHIP_APPROVER,
                    Role.COUNTY_SUPERVISOR,
                ),
                13,
            ),
            navigation.NavItem(
                "转办",
                "cases:referral_list",
                (
                    Role.TOWNSHIP_CLERK,
                    Role.TOWNSHIP_APPROVER,
                    Role.COUNTY_SUPERVISOR,
                    Role.DEPARTMENT_OFFICER,
                ),
                14,
            ),
            navigation.NavItem("转办部门", "cases:referral_departments", (Role.ADMINISTRATOR,), 95),
            navigation.NavItem(
                "临时救助统计",
                "cases:temporary_stats",
                (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR),
                60,
            ),
        ):
            if item.url_name not in registered:
                navigation.register(item)
