"""The demo's live work: pickups, parcels in transit, readings and problems,
made through the services so their clocks and messages are real.

Milestone notices older than half an hour are marked delivered at the time the
worker would have sent them; the board shows what is open now, not a wall of
breaches.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from clocks import outbox
from clocks.models import Message, MessageStatus
from customers.models import (
    Customer,
    Need,
)
from outlets.models import Outlet
from shipments.coldchain.readings import reading_record, readings_record_bulk
from shipments.models import (
    InsuranceAnswer,
    MilestoneKind,
    ServiceLevel,
    Shipment,
)
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_create,
    pickup_enter,
    pickup_pick_up,
)
from shipments.problems.services import problem_report, problem_respond
from shipments.tracking.milestones import milestone_record

from .network import OUTLETS

SORTING_CENTERS = ("上海浦东分拨中心", "上海闵行分拨中心")
DESTINATIONS = (
    "北京朝阳营业部",
    "杭州西湖营业部",
    "南京鼓楼营业部",
    "苏州园区营业部",
    "广州天河营业部",
    "深圳南山营业部",
    "成都高新营业部",
    "武汉江汉营业部",
)


def make_live_work(
    outlet: Outlet, staff, *, index: int, now: datetime, rng, waybills
) -> None:
    """What is going on right now at one outlet, made through the services."""
    courier = staff[f"courier{index + 1}"]
    am, manager = staff[f"am{index + 1}"], staff[f"manager{index + 1}"]
    customers = list(
        Customer.objects.filter(outlet=outlet)
        .prefetch_related("needs")
        .order_by("-monthly_volume", "pk")
    )
    cold = next(
        c for c in customers if any(n.need == Need.COLD_CHAIN for n in c.needs.all())
    )
    busy = [c for c in customers[:12] if c.pk != cold.pk]

    def minutes(m: float) -> datetime:
        return now - timedelta(minutes=m)

    # Pickups at every step: (minutes ago for request, accept, contact, pick up,
    # entry); None stops there.
    stages = [
        (3,),
        (9,),
        (16,),
        (40, 36),
        (28, 21),
        (7, 4),
        (60, 55, 47),
        (100, 95, 88, 14),
        (120, 115, 109, 20, 6),
    ]
    for customer, steps in zip(
        rng.sample(customers[:150], len(stages)), stages, strict=True
    ):
        _pickup(
            customer,
            steps,
            courier,
            minutes=minutes,
            now=now,
            rng=rng,
            waybills=waybills,
        )

    # Shipments in transit, picked up this many hours ago.
    transit = {}
    for slot, hours in enumerate((1.5, 4.2, 7, 12, 23, 25, 28, 31)):
        customer = cold if slot in (2, 6) else busy[slot % len(busy)]
        transit[slot] = _in_transit(
            customer,
            minutes(hours * 60),
            index=index,
            now=now,
            rng=rng,
            waybills=waybills,
        )

    # Cold chain: a reading every 30 minutes, in range. At the first outlet the
    # last two readings, three minutes apart, are above 8 °C: an alarm.
    for slot in (2, 6):
        shipment, series = transit[slot], []
        taken = shipment.created_at
        while taken < min(now, shipment.created_at + timedelta(hours=26)):
            series.append(
                {
                    "waybill": shipment.waybill,
                    "taken_at": taken,
                    "unit": "C",
                    "temperature_c": Decimal(f"{rng.uniform(2.5, 5.5):.1f}"),
                    "humidity_pct": Decimal(f"{rng.uniform(85, 92):.1f}"),
                }
            )
            taken += timedelta(minutes=30)
        readings_record_bulk(series, now=now)
    if index == 0:
        for ago, temperature in ((4, "9.1"), (1, "9.6")):
            reading_record(
                shipment=transit[2],
                taken_at=minutes(ago),
                temperature_c=Decimal(temperature),
                humidity_pct=Decimal("88.0"),
                now=minutes(ago),
            )

    # Open problems; one has been answered.
    if index == 0:
        problem_report(
            customer=transit[4].customer,
            shipment=transit[4],
            kind="delay",
            reported_by=am,
            now=minutes(6),
            description="客户来电：包裹比承诺时效晚了一天，询问原因",
        )
        damaged = problem_report(
            customer=transit[7].customer,
            shipment=transit[7],
            kind="damage",
            reported_by=courier,
            now=minutes(25),
            description="签收时外箱破损，客户说里面的茶具碎了一只",
        )
        problem_respond(
            problem=damaged,
            now=minutes(19),
            note="已致电客户致歉，请客户拍照留证，正在安排补发",
        )
        problem_report(
            customer=busy[5],
            kind="complaint",
            reported_by=manager,
            now=minutes(2),
            description="客户投诉快递员未按约定时间上门揽收",
        )
    else:
        problem_report(
            customer=transit[3].customer,
            shipment=transit[3],
            kind="loss",
            reported_by=am,
            now=minutes(4),
            description="到达分拨中心后再无更新，客户担心包裹丢失",
        )
        problem_report(
            customer=cold,
            shipment=transit[6],
            kind="complaint",
            reported_by=manager,
            now=minutes(12),
            description="杨梅到货两天就坏了，客户要求说明原因",
        )


def _pickup(customer, steps, courier, *, minutes, now, rng, waybills) -> None:
    needs = {n.need for n in customer.needs.all()}
    start = now + timedelta(hours=1)
    pickup = pickup_create(
        customer=customer,
        address=customer.address,
        now=minutes(steps[0]),
        window_start=start,
        window_end=start + timedelta(hours=2),
        goods_description=rng.choice(("文件", "样品", "货物")),
        fragile=Need.FRAGILE in needs,
        valuable=Need.VALUABLES in needs,
        expected_pieces=rng.randint(1, 6),
    )
    if len(steps) > 1:
        pickup_accept(pickup=pickup, courier=courier, now=minutes(steps[1]))
    if len(steps) > 2:
        pickup_contact(
            pickup=pickup, courier=courier, method="called", now=minutes(steps[2])
        )
    if len(steps) > 3:
        pickup_pick_up(
            pickup=pickup,
            courier=courier,
            pieces=pickup.expected_pieces,
            weight_kg=Decimal(f"{rng.uniform(1, 20):.1f}"),
            now=minutes(steps[3]),
            insurance=(
                InsuranceAnswer.ACCEPTED
                if pickup.needs_insurance_question
                else InsuranceAnswer.NOT_NEEDED
            ),
        )
    if len(steps) > 4:
        pickup_enter(
            pickup=pickup, waybill=waybills.next(), by=courier, now=minutes(steps[4])
        )


def _in_transit(customer, created, *, index, now, rng, waybills) -> Shipment:
    """A shipment entered ``created``, with the milestones it has passed by now."""
    needs = {n.need for n in customer.needs.all()}
    cold = Need.COLD_CHAIN in needs
    shipment = Shipment.objects.create(
        waybill=waybills.next(),
        customer=customer,
        outlet_id=customer.outlet_id,
        service_level=(
            ServiceLevel.NEXT_MORNING
            if Need.TIME_SENSITIVE in needs
            else ServiceLevel.STANDARD
        ),
        goods_description="杨梅" if cold else rng.choice(("样品", "货物", "文件")),
        cold_chain=cold,
        temperature_min_c=Decimal("0.0") if cold else None,
        temperature_max_c=Decimal("8.0") if cold else None,
        humidity_min_pct=Decimal("80.0") if cold else None,
        humidity_max_pct=Decimal("95.0") if cold else None,
        fragile=Need.FRAGILE in needs,
        valuable=Need.VALUABLES in needs,
        weight_kg=Decimal(f"{rng.uniform(1, 15):.1f}"),
        created_at=created,
        expected_arrival=created + timedelta(days=1, hours=6),
    )
    steps = [
        (MilestoneKind.PICKED_UP, timedelta(0), OUTLETS[index][1]),
        (MilestoneKind.AT_SORTING_CENTER, timedelta(hours=4), SORTING_CENTERS[index]),
        (MilestoneKind.OUT_FOR_DELIVERY, timedelta(hours=22), rng.choice(DESTINATIONS)),
        (MilestoneKind.SIGNED, timedelta(hours=27), "本人签收"),
    ]
    for kind, after, location in steps:
        occurred = created + after
        if occurred > now:
            break
        milestone_record(
            waybill=shipment.waybill,
            kind=kind,
            occurred_at=occurred,
            now=min(occurred + timedelta(minutes=3), now),
            location=location,
        )
    shipment.refresh_from_db()
    return shipment


def settle_old_notices(*, now: datetime) -> None:
    """Milestone notices due over half an hour ago count as sent back then.

    Delivery is the worker's job; without this, a fresh demo would open on a
    wall of breached push clocks for scans from yesterday.
    """
    old = Message.objects.filter(
        template="milestone",
        status=MessageStatus.PENDING,
        next_attempt_at__lt=now - timedelta(minutes=30),
    )
    for message in old.select_related("clock"):
        sent = message.next_attempt_at + timedelta(seconds=40)
        outbox.message_sent(message=message, at=sent)
