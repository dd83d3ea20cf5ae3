from django.core.management.base import BaseCommand, CommandError

from relief.logverify import log_check_and_alert, verify_all


class Command(BaseCommand):
    help = (
        "Recompute every hash chain of the audit logs (case log, delegation events, the "
        "recipient register's changes, …) and "
        "name the first bad row of each broken chain. Exit status 1 when any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--alert", action="store_true", help="also notify the county supervisors on a break"
        )

    def handle(self, *args, alert=False, **options):
        reports = log_check_and_alert() if alert else verify_all()
        broken = []
        for report in reports:
            line = f"{report.model}: {report.chains} chains, {report.rows} rows"
            if report.unsealed:
                line += f", {report.unsealed} rows from before chaining (not sealed)"
            line += f", {len(report.breaks)} broken" if report.breaks else ", intact"
            self.stdout.write(line)
            for b in report.breaks:
                self.stderr.write(f"  BROKEN {b.model} row {b.pk} (chain {b.chain}): {b.reason}")
            broken.extend(report.breaks)
        if broken:
            raise CommandError(f"{len(broken)} broken chain(s); first bad row: {broken[0]}")
