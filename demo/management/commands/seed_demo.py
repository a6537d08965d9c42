from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Tier
from demo import seed as demo


class Command(BaseCommand):
    # The stubs say str; argparse takes the lazy text (translated when shown).
    help = gettext_lazy(  # type: ignore[assignment]
        "Fill the database with a demo: two outlets, a login per role, about 300 "
        "customers, 14 months of shipments and live work. Running it again only "
        "resets the demo logins."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--history-scale",
            type=float,
            default=1.0,
            help=gettext_lazy(
                "Multiply the shipment history by this factor (default 1). Below 1 "
                "the tiers no longer come out as designed; tests use it for speed."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy(
                "Run even with DEBUG off (the demo has a superuser with a "
                "published password)."
            ),
        )

    def handle(self, *args, history_scale: float, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "seed_demo creates a superuser with a published password; run it "
                    "with DEBUG=1, or pass --force if this database is a demo."
                )
            )
        if not 0 < history_scale <= 10:
            raise CommandError(_("--history-scale must be above 0 and at most 10."))
        result = demo.seed(now=timezone.now(), history_scale=history_scale)
        counts = result.counts
        if result.created:
            self.stdout.write(self.style.SUCCESS(_("Demo data created.")))
        else:
            self.stdout.write(
                _(
                    "Demo data already present (outlet %(code)s): nothing added; the "
                    "demo logins were reset."
                )
                % {"code": demo.OUTLETS[0][0]}
            )
        self.stdout.write(
            _(
                "%(outlets)d outlets, %(staff)d staff, %(customers)d customers, "
                "%(shipments)d shipments, %(tier_changes)d tier changes, "
                "%(open_pickups)d open pickups, %(open_problems)d open problems, "
                "%(running_clocks)d running clocks."
            )
            % counts
        )
        self.stdout.write(
            _("Tiers: %(tiers)s.")
            % {
                "tiers": ", ".join(
                    _("%(tier)s %(count)d") % {"tier": Tier(tier).label, "count": n}
                    for tier, n in counts["tiers"].items()
                )
            }
        )
        url = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
        self.stdout.write(_("Log in at %(url)s with:") % {"url": url})
        for login in result.logins:
            self.stdout.write(
                _("  %(role)s: %(url)s  %(username)s / %(password)s")
                % {
                    "role": login.role,
                    "url": url,
                    "username": login.username,
                    "password": login.password,
                }
            )
