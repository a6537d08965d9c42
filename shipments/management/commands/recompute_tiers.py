from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from shipments.volumes import tiers_recompute


class Command(BaseCommand):
    help = "Recompute every customer's tier from last month's parcel volume."

    def handle(self, *args, **options) -> None:
        result = tiers_recompute(now=timezone.now())
        self.stdout.write(
            _(
                "Tiers from %(start)s to %(end)s: %(total)d customers, %(changed)d "
                "changed."
            )
            % {
                "start": result.period_start,
                "end": result.period_end,
                "total": result.customers,
                "changed": result.changed,
            }
        )
