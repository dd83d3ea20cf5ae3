"""Load the demo county. The core seeds regions, accounts and delegations; then every app
that has a ``demo`` module with a ``seed_demo(*, households, stdout)`` step runs it, in
INSTALLED_APPS order (cases' bulk households, funds' standards …). The core finds the
steps the way Django's admin finds ``admin`` modules, so it never imports the apps above it."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule

from relief.demo import DEMO_PASSWORD, seed_regions_and_accounts
from relief.models import Region, Role


def demo_steps() -> list:
    """Each installed app's ``demo.seed_demo``, in INSTALLED_APPS order (the core's own
    regions and accounts come first, outside this list)."""
    steps = []
    for config in apps.get_app_configs():
        if config.name == "relief" or not module_has_submodule(config.module, "demo"):
            continue
        step = getattr(import_module(f"{config.name}.demo"), "seed_demo", None)
        if step is not None:
            steps.append(step)
    return steps


class Command(BaseCommand):
    help = (
        "Load the demo county (regions, accounts, delegations, standards); "
        "--households N adds bulk data for benchmarks."
    )

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
        for step in demo_steps():
            step(households=options["households"], stdout=self.stdout)
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
