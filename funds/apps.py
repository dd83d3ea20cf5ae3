from decimal import Decimal

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from funds.recipients.triggers import install_append_only_triggers
from funds.rosters.triggers import install_roster_triggers


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "救助资金"

    def ready(self) -> None:
        # The register's change and reveal logs are append-only (PostgreSQL), after every migrate.
        post_migrate.connect(
            install_append_only_triggers, sender=self, dispatch_uid="funds_recipient_append_only"
        )
        # A locked roster's lines and totals never change (PostgreSQL), after every migrate.
        post_migrate.connect(
            install_roster_triggers, sender=self, dispatch_uid="funds_roster_locked"
        )
        # Models, the case hooks and navigation are importable only once the registry is ready.
        from cases.workflow.hooks import case_transitioned
        from funds.recipients.receivers import on_case_transitioned
        from relief import navigation
        from relief.models import Role

        # A case entering 发放中 registers its household; a revocation stops it.
        case_transitioned.connect(on_case_transitioned, dispatch_uid="funds_recipient_register")
        # A county correction of a case's amount (依法纠正) is the recipient's signed change.
        from cases.workflow.hooks import case_amount_changed
        from funds.recipients.receivers import on_case_amount_changed

        case_amount_changed.connect(
            on_case_amount_changed, dispatch_uid="funds_recipient_amount_corrected"
        )
        # After registration: the review schedule; a confirmed review changes the register.
        from funds.dynamic.services import on_review_transitioned

        case_transitioned.connect(on_review_transitioned, dispatch_uid="funds_dynamic_review")
        # A 先行救助 cash grant of the township or the county becomes a one-off payment line.
        from cases.temporary.hooks import emergency_grant_recorded
        from funds.rosters.receivers import on_emergency_grant

        emergency_grant_recorded.connect(on_emergency_grant, dispatch_uid="funds_emergency_grant")
        # The daily deadline scan opens the scheduled reviews (one engine, cases.clocks).
        from cases.clocks.hooks import deadline_scan_started
        from funds.dynamic.services import on_deadline_scan

        deadline_scan_started.connect(on_deadline_scan, dispatch_uid="funds_dynamic_scheduled")
        # The case page shows a live 失信记录 of a member of the household (funds.dynamic).
        from cases.workflow.hooks import case_page_panels
        from funds.dynamic.dishonesty import on_case_page

        case_page_panels.connect(on_case_page, dispatch_uid="funds_dynamic_dishonesty")

        registered = {item.url_name for item in navigation.NAV_ITEMS}
        for item in (
            navigation.NavItem(
                "在册对象",
                "recipients:list",
                (
                    Role.VILLAGE_ASSISTANT,
                    Role.TOWNSHIP_CLERK,
                    Role.TOWNSHIP_APPROVER,
                    Role.COUNTY_SUPERVISOR,
                ),
                50,
            ),
            navigation.NavItem("调标", "recipients:adjustments", (Role.COUNTY_SUPERVISOR,), 51),
            navigation.NavItem(
                "长期公示",
                "publicity:villages",
                (
                    Role.VILLAGE_ASSISTANT,
                    Role.TOWNSHIP_CLERK,
                    Role.TOWNSHIP_APPROVER,
                    Role.COUNTY_SUPERVISOR,
                ),
                55,
            ),
            navigation.NavItem(
                "发放花名册",
                "rosters:list",
                (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR),
                52,
            ),
            navigation.NavItem(
                "复核名单",
                "dynamic:due",
                (
                    Role.VILLAGE_ASSISTANT,
                    Role.TOWNSHIP_CLERK,
                    Role.TOWNSHIP_APPROVER,
                    Role.COUNTY_SUPERVISOR,
                ),
                53,
            ),
            navigation.NavItem(
                "集中复核", "dynamic:campaigns", (Role.TOWNSHIP_CLERK, Role.COUNTY_SUPERVISOR), 54
            ),
        ):
            if item.url_name not in registered:
                navigation.register(item)
        # 发放金额 on the county's statistics page (review shows it without importing funds).
        from funds.rosters.selectors import paid_by_township
        from relief import statistics

        statistics.register(
            statistics.TownshipFigure(
                "paid", "发放金额(元)", paid_by_township, empty=Decimal("0.00")
            )
        )
