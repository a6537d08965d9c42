"""Care campaigns: create one (the decision), preview it, fan it out.

The fan-out is bulk: a campaign to every customer of a large outlet is one
``INSERT … SELECT`` into the outbox (or batched follow-up inserts), never a
query per customer.
"""

from datetime import datetime, time, timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf
from django.utils.translation import gettext_lazy as _

from clocks.models import Message, MessageChannel, MessageStatus
from clocks.outbox import MESSAGE_FIELDS, enqueue_delivery_on_commit, quiet_until
from customers.models import CareTag, Channel, Customer, Need, Tenure, Tier
from followups.models import FollowUpKind
from followups.services import (
    NewFollowUp,
    default_channel,
    default_owner_ids,
    follow_ups_create,
)
from lib.bounds import is_plausible_instant
from lib.links import find_link
from lib.model_fields import db_column
from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from .dates import local_day, local_instant
from .models import (
    CAMPAIGN_TEXT_LENGTH,
    Campaign,
    CampaignDelivery,
    CampaignState,
    Occasion,
    PromotionSeason,
)
from .segments import care_reachable, in_segment
from .texts import split_around

TEMPLATE = "care_campaign"
# Care messages go out in the working day: not at dawn, not at night.
DECENT_FROM, DECENT_UNTIL = time(9, 0), time(20, 0)
GRACE = timedelta(minutes=5)
LONGEST_AHEAD = timedelta(days=366)
FOLLOW_UP_BATCH = 2000
_CHOICES = {"tiers": Tier, "needs": Need, "tenures": Tenure, "tags": CareTag}


OTHER_OUTLET = _("You may run campaigns for your own outlet's customers only.")


def _check_may_run(by: Staff | None, outlet: Outlet) -> None:
    if by is not None and not may(by, Capability.RUN_CAMPAIGNS, outlet_id=outlet.pk):
        raise NotAllowed(OTHER_OUTLET, fields={"outlet": [_("Not your outlet.")]})


def _check_segment(segment: dict) -> dict:
    cleaned = {}
    for field, choices in _CHOICES.items():
        values = list(dict.fromkeys(segment.get(field) or []))
        unknown = [v for v in values if v not in choices.values]
        if unknown:
            raise DomainError(
                _("Unknown value in the segment."),
                fields={field: [_("Unknown: %(value)s") % {"value": unknown[0]}]},
            )
        cleaned[field] = values
    return cleaned


def _check_text(text: str, field: str, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(
            _("A campaign needs a text."), fields={field: [_("Required.")]}
        )
    if len(text) > CAMPAIGN_TEXT_LENGTH:
        raise DomainError(
            _("The text is too long for a message."),
            fields={
                field: [_("At most %(n)s characters.") % {"n": CAMPAIGN_TEXT_LENGTH}]
            },
        )
    if link := find_link(text):
        raise DomainError(
            _("Messages to customers may not contain links."),
            fields={field: [_("Remove the link “%(link)s”.") % {"link": link}]},
        )
    return text


def _check_send_at(send_at: datetime, now: datetime) -> None:
    if not is_plausible_instant(send_at) or send_at > now + LONGEST_AHEAD:
        raise DomainError(
            _("Send a campaign within the coming year."),
            fields={"send_at": [_("Within a year from now.")]},
        )
    if send_at < now - GRACE:
        raise DomainError(
            _("The send time has passed."), fields={"send_at": [_("In the future.")]}
        )
    local = send_at.astimezone(local_instant(local_day(now)).tzinfo).time()
    if not DECENT_FROM <= local < DECENT_UNTIL:
        raise DomainError(
            _("Care messages go out between 09:00 and 20:00."),
            fields={"send_at": [_("Between 09:00 and 20:00.")]},
        )


def _check_season(season: PromotionSeason | None, occasion: str, outlet: Outlet):
    if occasion == Occasion.PROMOTION and season is None:
        raise DomainError(
            _("Name the promotion season."), fields={"season": [_("Required.")]}
        )
    if season is not None and season.outlet_id not in (None, outlet.pk):
        raise DomainError(
            _("That promotion season belongs to another outlet."),
            fields={"season": [_("Not this outlet's.")]},
        )


@transaction.atomic
def campaign_create(
    *,
    by: Staff | None,
    outlet: Outlet,
    name: str,
    occasion: str,
    text: str,
    send_at: datetime,
    now: datetime,
    delivery: str = CampaignDelivery.MESSAGE,
    segment: dict | None = None,
    text_en: str = "",
    gift: str = "",
    season: PromotionSeason | None = None,
) -> Campaign:
    """A scheduled campaign of ``outlet``; nothing is sent before ``send_at``."""
    _check_may_run(by, outlet)
    if occasion not in Occasion.values:
        raise DomainError(_("Unknown occasion."), fields={"occasion": [_("Unknown.")]})
    if delivery not in CampaignDelivery.values:
        raise DomainError(_("Unknown delivery."), fields={"delivery": [_("Unknown.")]})
    if not (name or "").strip():
        raise DomainError(_("Name the campaign."), fields={"name": [_("Required.")]})
    _check_send_at(send_at, now)
    _check_season(season, occasion, outlet)
    campaign = Campaign(
        outlet=outlet,
        name=name.strip()[:100],
        occasion=occasion,
        season=season,
        delivery=delivery,
        text=_check_text(text, "text"),
        text_en=_check_text(text_en, "text_en", required=False),
        gift=(gift or "").strip()[:200],
        send_at=send_at,
        created_by=by,
        created_at=now,
        **_check_segment(segment or {}),
    )
    campaign.save()
    return campaign


def campaign_cancel(*, by: Staff | None, campaign: Campaign, now: datetime) -> int:
    """Cancel a campaign not yet fanned out; returns 1 if it was cancelled."""
    _check_may_run(by, campaign.outlet)
    return Campaign.objects.filter(
        pk=campaign.pk, state=CampaignState.SCHEDULED
    ).update(state=CampaignState.CANCELLED, fanned_out_at=now)


def audience(
    *, outlet_id: int, segment: dict, day, delivery: str = CampaignDelivery.MESSAGE
) -> QuerySet[Customer]:
    """The customers a campaign of ``outlet_id`` with ``segment`` reaches on ``day``.

    Customers who opted out of care are left out, for messages and follow-ups
    alike: a holiday call is care too.
    """
    customers = Customer.objects.filter(outlet_id=outlet_id)
    return care_reachable(in_segment(customers, day=day, **_check_segment(segment)))


def campaign_preview(*, outlet: Outlet, segment: dict, day) -> int:
    """How many customers a campaign would reach: the number the page shows."""
    return audience(outlet_id=outlet.pk, segment=segment, day=day).count()


def decent_instant(at: datetime) -> datetime:
    """``at`` if it falls in the working day, else the next 10:00 (local)."""
    local = local_instant(local_day(at)).tzinfo
    clock = at.astimezone(local).time()
    if clock < DECENT_FROM:
        return local_instant(local_day(at))
    if clock >= DECENT_UNTIL:
        return local_instant(local_day(at) + timedelta(days=1))
    return at


def segment_of(campaign: Campaign) -> dict:
    return {field: getattr(campaign, field) for field in _CHOICES}


def campaign_fan_out(*, campaign: Campaign, now: datetime) -> int:
    """Turn a scheduled campaign into messages or follow-ups; return how many.

    1. Claim the campaign (scheduled -> sent, compare-and-set): two runs at
       once never both fan out, and a second call returns 0.
    2. The send instant is the campaign's hour, or ``now`` if later, moved
       into the working day; each customer's quiet hours postpone it further.
    3. Messages: one ``INSERT … SELECT`` (dedupe keys skip what exists);
       follow-ups: batched bulk inserts with a clock each.
    """
    with transaction.atomic():
        claimed = Campaign.objects.filter(
            pk=campaign.pk, state=CampaignState.SCHEDULED
        ).update(state=CampaignState.SENT, fanned_out_at=now)
        if not claimed:
            return 0
        at = decent_instant(max(now, campaign.send_at))
        customers = audience(
            outlet_id=campaign.outlet_id,
            segment=segment_of(campaign),
            day=local_day(at),
        )
        if campaign.delivery == CampaignDelivery.FOLLOW_UP:
            reached = _follow_ups(campaign, customers, at=at, now=now)
        else:
            reached = _messages(campaign, customers, at=at, now=now)
        Campaign.objects.filter(pk=campaign.pk).update(reached=reached)
    campaign.refresh_from_db()
    return reached


def campaigns_fan_out_due(*, now: datetime) -> int:
    """Fan out every scheduled campaign whose hour has come (the beat task)."""
    due = Campaign.objects.filter(
        state=CampaignState.SCHEDULED, send_at__lte=now
    ).order_by("send_at")
    return sum(campaign_fan_out(campaign=c, now=now) for c in due)


# --- Messages: one INSERT … SELECT -------------------------------------------


def _messages(
    campaign: Campaign, customers: QuerySet, *, at: datetime, now: datetime
) -> int:
    select = _message_select(campaign, customers, at=at, now=now)
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(db_column(Message, name)) for name in MESSAGE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Message._meta.db_table)} ({columns}) {sql} "
            "ON CONFLICT DO NOTHING",
            params,
        )
        written = cursor.rowcount
    enqueue_delivery_on_commit()
    return written


def _message_select(
    campaign: Campaign, customers: QuerySet, *, at: datetime, now: datetime
) -> QuerySet:
    """A SELECT whose columns are the outbox's ``MESSAGE_FIELDS``, in order.

    Channel and address follow ``clocks.outbox.customer_address``; the dedupe
    key is the outbox's ``<key>:<channel>:<address>``; each distinct pair of
    quiet hours is worked out once by ``clocks.outbox.quiet_until``.
    """
    wechat = Q(preferred_channel=Channel.WECHAT) & ~Q(wechat_openid="")
    channel = Case(
        When(wechat, then=Value(MessageChannel.WECHAT)),
        default=Value(MessageChannel.SMS),
        output_field=CharField(),
    )
    address = Case(
        When(wechat, then=F("wechat_openid")),
        default=Cast("phone", CharField()),
        output_field=CharField(),
    )
    name = Coalesce(NullIf(F("company"), Value("")), F("name"))
    texts = split_around(
        TEMPLATE,
        "customer",
        {"text": campaign.text, "customer": ""},
    )
    english = split_around(
        TEMPLATE, "customer", {"text": campaign.text_en or campaign.text}
    )["en"]
    key = Concat(
        Value(f"campaign:{campaign.pk}:"),
        Cast("pk", CharField()),
        Value(":"),
        channel,
        Value(":"),
        address,
        output_field=CharField(),
    )
    columns = {
        "outlet_id": F("outlet_id"),
        "customer_id": F("pk"),
        "staff_id": Value(None, output_field=IntegerField()),
        "clock_id": Value(None, output_field=IntegerField()),
        "channel": channel,
        "address": address,
        "template": Value(TEMPLATE),
        "language": F("language"),
        "text_zh": _around(texts["zh-hans"], name),
        "text_en": _around(english, name),
        "dedupe_key": Left(key, 200),
        "status": Value(MessageStatus.PENDING),
        "attempts": Value(0),
        "next_attempt_at": _not_before(customers, at),
        "created_at": Value(now, output_field=DateTimeField()),
        "last_error": Value(""),
    }
    aliases = {f"m_{name}": expression for name, expression in columns.items()}
    return customers.order_by().annotate(**aliases).values(*aliases)


def _around(parts: tuple[str, str], name) -> Concat:
    before, after = parts
    return Concat(Value(before), name, Value(after), output_field=CharField())


def _not_before(customers: QuerySet, at: datetime) -> Case:
    """``at``, or the end of the customer's quiet hours when ``at`` falls in them."""
    pairs = (
        customers.exclude(quiet_hours_start=None)
        .order_by()
        .values_list("quiet_hours_start", "quiet_hours_end")
        .distinct()
    )
    whens = []
    for start, end in pairs:
        hours = SimpleNamespace(quiet_hours_start=start, quiet_hours_end=end)
        # quiet_until reads only the two quiet-hours fields of a customer.
        until = quiet_until(hours, at)  # type: ignore[arg-type]
        if until is not None:
            whens.append(
                When(quiet_hours_start=start, quiet_hours_end=end, then=Value(until))
            )
    return Case(*whens, default=Value(at), output_field=DateTimeField())


# --- Follow-ups: batched bulk inserts ----------------------------------------


def _follow_ups(
    campaign: Campaign, customers: QuerySet, *, at: datetime, now: datetime
) -> int:
    kind = (
        FollowUpKind.PROMOTION
        if campaign.occasion == Occasion.PROMOTION
        else FollowUpKind.HOLIDAY_CARE
    )
    note = _follow_up_note(campaign)
    created = 0
    batch = []
    only = ["pk", "outlet_id", "account_manager_id", "preferred_channel", "tier"]
    for customer in customers.order_by("pk").only(*only).iterator(chunk_size=5000):
        batch.append(customer)
        if len(batch) == FOLLOW_UP_BATCH:
            created += _follow_up_batch(campaign, batch, kind, note, at, now)
            batch = []
    if batch:
        created += _follow_up_batch(campaign, batch, kind, note, at, now)
    return created


def _follow_up_batch(campaign, customers, kind, note, at, now) -> int:
    owners = default_owner_ids(customers)
    rows = [
        NewFollowUp(
            customer_id=c.pk,
            outlet_id=c.outlet_id,
            owner_id=owners[c.pk],
            kind=kind,
            channel=default_channel(c, kind),
            due_at=at,
            source_key=f"campaign:{campaign.pk}:{c.pk}",
            note=note,
        )
        for c in customers
    ]
    return len(
        follow_ups_create(rows=rows, now=now, created_by_id=campaign.created_by_id)
    )


def _follow_up_note(campaign: Campaign) -> str:
    if campaign.gift:
        return str(
            _("%(campaign)s: bring %(gift)s. Say: %(text)s")
            % {"campaign": campaign.name, "gift": campaign.gift, "text": campaign.text}
        )
    return str(
        _("%(campaign)s. Say: %(text)s")
        % {"campaign": campaign.name, "text": campaign.text}
    )
