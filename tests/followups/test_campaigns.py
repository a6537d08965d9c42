"""Holiday and need-oriented care: lunar dates, campaigns and their fan-out.

Every instant is built from a fixed ``now``; nothing reads today's date.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clocks.models import Message, MessageStatus
from customers.models import CareTag, CustomerCareTag, Need, Tier
from followups.models import FollowUp, FollowUpKind
from followups.occasions.campaigns import (
    campaign_create,
    campaign_fan_out,
    campaign_preview,
    campaigns_fan_out_due,
)
from followups.occasions.dates import festival_day
from followups.occasions.models import Campaign, CampaignDelivery, Occasion
from followups.occasions.suggestions import suggestions
from outlets.errors import DomainError, NotAllowed
from tests.conftest import api_as, make_customer

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The eve of Mid-Autumn 2027 (15 September), early afternoon in Shanghai.
NOW = datetime(2027, 9, 14, 13, 0, tzinfo=SHANGHAI)
SEND_AT = datetime(2027, 9, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("occasion", "year", "expected"),
    [
        (Occasion.SPRING_FESTIVAL, 2027, date(2027, 2, 6)),
        (Occasion.DRAGON_BOAT, 2027, date(2027, 6, 9)),
        (Occasion.MID_AUTUMN, 2027, date(2027, 9, 15)),
        (Occasion.SPRING_FESTIVAL, 2030, date(2030, 2, 3)),
        (Occasion.DRAGON_BOAT, 2030, date(2030, 6, 5)),
        (Occasion.MID_AUTUMN, 2030, date(2030, 9, 12)),
        (Occasion.NEW_YEAR, 2030, date(2030, 1, 1)),
    ],
)
def test_festival_days_of_two_years_come_from_the_lunar_calendar(
    occasion, year, expected
):
    assert festival_day(occasion, year) == expected


def mid_autumn(by, outlet, **fields):
    values = {
        "by": by,
        "outlet": outlet,
        "name": "Mid-Autumn 2027",
        "occasion": Occasion.MID_AUTUMN,
        "text": "中秋快乐，感谢一年来的支持。",
        "text_en": "Happy Mid-Autumn Festival.",
        "send_at": SEND_AT,
        "now": NOW,
    }
    values.update(fields)
    return campaign_create(**values)


def test_a_campaign_fans_out_one_message_per_customer_at_ten_in_shanghai(
    manager_a, outlet_a
):
    first = make_customer(outlet_a, name="王芳", company="")
    second = make_customer(outlet_a, name="Li", company="Fresh Fruit Co")
    campaign = mid_autumn(manager_a, outlet_a)

    assert campaign_fan_out(campaign=campaign, now=SEND_AT) == 2

    messages = {
        m.customer_id: m for m in Message.objects.filter(template="care_campaign")
    }
    assert set(messages) == {first.pk, second.pk}
    assert messages[first.pk].text_zh.startswith("尊敬的王芳") or "王芳" in (
        messages[first.pk].text_zh
    )
    assert "Fresh Fruit Co" in messages[second.pk].text_en
    assert "Happy Mid-Autumn Festival." in messages[second.pk].text_en
    assert "中秋快乐" in messages[second.pk].text_zh
    assert messages[first.pk].address == str(first.phone)
    assert messages[first.pk].status == MessageStatus.PENDING
    assert all(m.next_attempt_at == SEND_AT for m in messages.values())


def test_fan_out_twice_writes_nothing_new(manager_a, outlet_a):
    make_customer(outlet_a)
    campaign = mid_autumn(manager_a, outlet_a)
    campaign_fan_out(campaign=campaign, now=SEND_AT)
    assert campaign_fan_out(campaign=campaign, now=SEND_AT) == 0
    assert Message.objects.filter(template="care_campaign").count() == 1
    campaign.refresh_from_db()
    assert campaign.reached == 1


def test_fan_out_waits_out_each_customers_quiet_hours(manager_a, outlet_a):
    napping = make_customer(
        outlet_a, quiet_hours_start=time(9, 30), quiet_hours_end=time(11, 0)
    )
    night_owl = make_customer(
        outlet_a, quiet_hours_start=time(22, 0), quiet_hours_end=time(8, 0)
    )
    campaign = mid_autumn(manager_a, outlet_a)
    campaign_fan_out(campaign=campaign, now=SEND_AT)
    due = dict(
        Message.objects.filter(template="care_campaign").values_list(
            "customer_id", "next_attempt_at"
        )
    )
    assert due[napping.pk] == datetime(2027, 9, 15, 11, 0, tzinfo=SHANGHAI)
    assert due[night_owl.pk] == SEND_AT


def test_a_campaign_found_late_at_night_goes_out_at_ten_next_morning(
    manager_a, outlet_a
):
    make_customer(outlet_a)
    campaign = mid_autumn(manager_a, outlet_a)
    late = datetime(2027, 9, 15, 22, 30, tzinfo=SHANGHAI)
    campaign_fan_out(campaign=campaign, now=late)
    message = Message.objects.get(template="care_campaign")
    assert message.next_attempt_at == datetime(2027, 9, 16, 10, 0, tzinfo=SHANGHAI)


def test_customers_who_opted_out_of_care_get_no_campaign(manager_a, outlet_a):
    keeps = make_customer(outlet_a)
    make_customer(outlet_a, care_opt_out=True)
    campaign = mid_autumn(manager_a, outlet_a)
    assert campaign_preview(outlet=outlet_a, segment={}, day=SEND_AT.date()) == 1
    campaign_fan_out(campaign=campaign, now=SEND_AT)
    assert list(
        Message.objects.filter(template="care_campaign").values_list(
            "customer_id", flat=True
        )
    ) == [keeps.pk]


def test_an_opted_out_customer_still_gets_service_notices(outlet_a):
    from clocks.outbox import to_customer
    from clocks.texts import render

    customer = make_customer(outlet_a, care_opt_out=True)
    texts = render(
        "delay_notice",
        {
            "customer": customer,
            "waybill": "SF1",
            "reason": "storm",
            "expected": "x",
            "plan": "y",
        },
    )
    to_customer(
        customer=customer, template="delay_notice", texts=texts, key="d", now=NOW
    )
    assert Message.objects.filter(customer=customer, template="delay_notice").exists()


def test_a_campaign_reaches_its_outlet_only(manager_a, outlet_a, outlet_b):
    mine = make_customer(outlet_a)
    make_customer(outlet_b)
    campaign_fan_out(campaign=mid_autumn(manager_a, outlet_a), now=SEND_AT)
    assert set(Message.objects.values_list("customer_id", flat=True)) == {mine.pk}


def test_a_campaign_for_another_outlets_customers_is_refused(manager_a, outlet_b):
    with pytest.raises(NotAllowed) as refused:
        mid_autumn(manager_a, outlet_b)
    assert "outlet" in refused.value.fields


def test_the_api_refuses_a_campaign_for_another_outlet_naming_the_field(
    manager_a, outlet_b
):
    response = api_as(manager_a).post(
        "/api/v1/campaigns/",
        {
            "outlet": outlet_b.pk,
            "name": "Mid-Autumn",
            "occasion": "mid_autumn",
            "text": "中秋快乐",
            "send_at": SEND_AT.isoformat(),
        },
        format="json",
    )
    assert response.status_code in (400, 403), response.content
    assert "outlet" in response.json()["error"]["fields"]


def test_a_segment_narrows_by_tier_need_and_care_tag(manager_a, outlet_a):
    driver = make_customer(outlet_a, tier=Tier.KEY)
    CustomerCareTag.objects.create(customer=driver, tag=CareTag.LONG_HAUL)
    make_customer(outlet_a, tier=Tier.KEY)
    cold = make_customer(outlet_a, needs=[Need.COLD_CHAIN])
    day = SEND_AT.date()
    assert (
        campaign_preview(
            outlet=outlet_a, segment={"tags": [CareTag.LONG_HAUL]}, day=day
        )
        == 1
    )
    assert (
        campaign_preview(outlet=outlet_a, segment={"tiers": [Tier.KEY]}, day=day) == 2
    )
    campaign = mid_autumn(manager_a, outlet_a, segment={"needs": [Need.COLD_CHAIN]})
    campaign_fan_out(campaign=campaign, now=SEND_AT)
    assert list(Message.objects.values_list("customer_id", flat=True)) == [cold.pk]


def test_a_follow_up_campaign_gives_each_account_manager_a_holiday_care_call(
    manager_a, outlet_a, account_manager_a
):
    customer = make_customer(outlet_a, account_manager=account_manager_a)
    campaign = mid_autumn(
        manager_a, outlet_a, delivery=CampaignDelivery.FOLLOW_UP, gift="Mooncakes"
    )
    assert campaign_fan_out(campaign=campaign, now=SEND_AT) == 1
    follow_up = FollowUp.objects.get(customer=customer)
    assert follow_up.kind == FollowUpKind.HOLIDAY_CARE
    assert follow_up.owner == account_manager_a
    assert follow_up.due_at == SEND_AT
    assert "Mooncakes" in follow_up.note
    assert not Message.objects.filter(template="care_campaign").exists()


def test_the_beat_fans_out_only_campaigns_whose_hour_has_come(manager_a, outlet_a):
    make_customer(outlet_a)
    mid_autumn(manager_a, outlet_a)
    assert campaigns_fan_out_due(now=SEND_AT - timedelta(minutes=1)) == 0
    assert campaigns_fan_out_due(now=SEND_AT) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", ""),
        ("text", "看这里 www.example.com"),
        ("send_at", NOW - timedelta(days=1)),
        ("send_at", datetime(2027, 9, 15, 6, 0, tzinfo=SHANGHAI)),
        ("segment", {"tiers": ["platinum"]}),
    ],
)
def test_bad_campaign_input_is_refused_naming_the_field(
    manager_a, outlet_a, field, value
):
    with pytest.raises(DomainError) as refused:
        mid_autumn(manager_a, outlet_a, **{field: value})
    named = refused.value.fields
    assert field in named or (field == "segment" and "tiers" in named)


def test_suggestions_follow_needs_and_tags_not_ritual():
    sale = suggestions(
        occasion=Occasion.PROMOTION, day=date(2027, 11, 4), needs=[Need.COLD_CHAIN]
    )
    winter = suggestions(
        occasion=Occasion.NEW_YEAR, day=date(2027, 1, 1), tags=[CareTag.LONG_HAUL]
    )
    assert str(sale[0].gift) == "Ice packs"
    assert str(winter[0].gift) == "Hand warmers"
    assert str(winter[-1].gift) == "A desk calendar"  # the greeting comes last


def test_the_campaign_api_previews_a_count_and_proposes_gifts(manager_a, outlet_a):
    driver = make_customer(outlet_a)
    CustomerCareTag.objects.create(customer=driver, tag=CareTag.LONG_HAUL)
    make_customer(outlet_a)
    response = api_as(manager_a).post(
        "/api/v1/campaigns/preview/",
        {
            "occasion": "new_year",
            "send_at": "2027-12-31T10:00:00+08:00",
            "tags": ["long_haul"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customers"] == 1
    assert body["suggestions"][0]["gift"] == "Hand warmers"


def test_account_managers_may_not_run_campaigns(account_manager_a, outlet_a):
    with pytest.raises(NotAllowed):
        mid_autumn(account_manager_a, outlet_a)
    response = api_as(account_manager_a).post("/api/v1/campaigns/", {}, format="json")
    assert response.status_code == 403


def test_the_campaign_page_previews_the_count_and_schedules(
    client, manager_a, outlet_a
):
    driver = make_customer(outlet_a)
    CustomerCareTag.objects.create(customer=driver, tag=CareTag.LONG_HAUL)
    make_customer(outlet_a)
    client.force_login(manager_a)
    soon = timezone.localtime() + timedelta(days=30)
    form = {
        "name": "Winter care",
        "occasion": "new_year",
        "send_at": f"{soon:%Y-%m-%d}T10:00",
        "delivery": "message",
        "tags": ["long_haul"],
        "text": "天冷了，给司机师傅们送上暖宝宝。",
    }
    preview = client.post("/care/campaigns/", {**form, "preview": "1"})
    page = preview.content.decode()
    assert "Reaches 1 customer." in page
    assert "A desk calendar" in page  # the New Year greeting, in any month
    assert client.post("/care/campaigns/", {**form, "schedule": "1"}).status_code == 302
    assert Campaign.objects.get().tags == ["long_haul"]


def test_couriers_and_account_managers_do_not_see_the_campaign_page(
    client, courier_a, account_manager_a
):
    for user in (courier_a, account_manager_a):
        client.force_login(user)
        assert client.get("/care/campaigns/").status_code == 403


def test_opting_out_through_the_api_keeps_the_next_campaign_away(
    manager_a, account_manager_a, outlet_a, courier_a
):
    customer = make_customer(outlet_a, account_manager=account_manager_a)
    url = f"/api/v1/customers/{customer.pk}/care/"
    refused = api_as(courier_a).patch(url, {"care_opt_out": True}, format="json")
    assert refused.status_code == 403
    response = api_as(account_manager_a).patch(
        url, {"care_opt_out": True, "care_tags": ["long_haul"]}, format="json"
    )
    assert response.status_code == 200, response.content
    detail = api_as(account_manager_a).get(f"/api/v1/customers/{customer.pk}/")
    assert detail.json()["care_opt_out"] is True
    assert detail.json()["care_tags"] == ["long_haul"]
    campaign_fan_out(campaign=mid_autumn(manager_a, outlet_a), now=SEND_AT)
    assert not Message.objects.filter(customer=customer).exists()


def test_the_customer_page_edits_care_tags_and_opt_out(
    client, account_manager_a, customer_a
):
    client.force_login(account_manager_a)
    client.post(
        f"/care/customers/{customer_a.pk}/care/",
        {"care_tags": ["outdoor_work"], "care_opt_out": "on"},
    )
    customer_a.refresh_from_db()
    assert customer_a.care_opt_out
    page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert "Works outdoors" in page and "No care messages" in page
