from django.core.management.base import BaseCommand

from relief.demo import DEMO_PASSWORD, seed_regions_and_accounts
from relief.models import Region, Role


class Command(BaseCommand):
    help = "Load the demo county (regions, accounts, delegations); --households N adds bulk data for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=0,
            help="bulk-create N households with members and cases in every state",
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):
        accounts = seed_regions_and_accounts()
        if options["households"]:
            from cases.bulk import bulk_create_households

            created = bulk_create_households(options["households"], stdout=self.stdout)
            self.stdout.write(f"created {created} households")
        if options["quiet"]:
            return
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）：")
        )
        for a in accounts:
            region = Region.objects.get(code=a.region_code)
            extra = f" + {Role(a.extra_role).label}" if a.extra_role else ""
            self.stdout.write(
                f"  {a.username:<18} {Role(a.role).label}{extra:<12} {region.full_name}"
            )
