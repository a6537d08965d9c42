"""Surveys (NPS): sampled after signed deliveries, at most one a customer per
Shanghai calendar month, after remedied problems; answered once on the phone;
a detractor raises a call for the account manager within 24 hours."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clocks.models import Clock, ClockKind, Message, SubjectType
from customers.services import progress_link_for
from followups.models import FollowUp, FollowUpKind
from followups.selectors import customer_timeline, my_day
from followups.surveys.models import Survey, SurveyReason
from followups.surveys.services import (
    DETRACTOR_CALL_WITHIN,
    is_sampled,
    month_of,
    survey_answer,
    surveys_after_deliveries,
    surveys_after_remedies,
)
from followups.watermarks import ScanMark
from outlets.errors import DomainError, StateConflict
from shipments.models import Milestone, MilestoneKind, ProblemStage
from shipments.problems.services import (
    problem_offer_solution,
    problem_remedy,
    problem_report,
    problem_respond,
)

from ..conftest import NOON, api_as, make_customer, make_shipment

pytestmark = pytest.mark.django_db


def signed(customer, *, at=NOON, now=None):
    shipment = make_shipment(customer, created_at=at - timedelta(days=1))
    Milestone.objects.create(
        shipment=shipment,
        kind=MilestoneKind.SIGNED,
        occurred_at=at,
        recorded_at=now or at,
    )
    return shipment


def sent_survey(customer, *, now=NOON) -> Survey:
    # The answer page reads the real clock (the link expires): its tests pass
    # ``now=timezone.now()`` so they hold at any date.
    signed(customer, at=now)
    assert surveys_after_deliveries(now=now, percent=100) == 1
    return Survey.objects.get(customer=customer, month=month_of(now))


def survey_path(survey: Survey) -> str:
    return reverse("survey:answer", args=[survey.token])


# --- Sampling and the once-a-month limit ------------------------------------------


def test_a_sampled_signed_delivery_sends_the_customer_a_survey_link(customer_a):
    shipment = signed(customer_a)
    assert surveys_after_deliveries(now=NOON, percent=100) == 1
    survey = Survey.objects.get()
    assert survey.reason == SurveyReason.DELIVERY
    assert survey.shipment == shipment and survey.outlet_id == customer_a.outlet_id
    assert len(survey.token) >= 43
    assert survey.expires_at == NOON + timedelta(days=14)
    message = Message.objects.get(customer=customer_a)
    assert f"/s/{survey.token}/" in message.text_zh
    assert f"/s/{survey.token}/" in message.text_en
    assert shipment.waybill in message.text_en


def test_deliveries_outside_the_sample_get_no_survey(outlet_a):
    customers = [make_customer(outlet_a) for _ in range(30)]
    shipments = [signed(customer) for customer in customers]
    surveys_after_deliveries(now=NOON, percent=30)
    expected = {s.pk for s in shipments if is_sampled(s.pk, 30)}
    assert set(Survey.objects.values_list("shipment", flat=True)) == expected
    assert 0 < len(expected) < 30  # a sample, not all or nothing


def test_a_sample_rate_of_zero_sends_no_survey(customer_a):
    signed(customer_a)
    assert surveys_after_deliveries(now=NOON, percent=0) == 0
    assert not Survey.objects.exists()


def test_the_sample_rate_comes_from_the_settings(settings, customer_a):
    settings.SURVEY_SAMPLE_PERCENT = 100
    signed(customer_a)
    assert surveys_after_deliveries(now=NOON) == 1


def test_a_customer_gets_at_most_one_delivery_survey_a_month(customer_a):
    signed(customer_a, at=NOON)
    signed(customer_a, at=NOON)  # two parcels signed together
    assert surveys_after_deliveries(now=NOON, percent=100) == 1
    later = NOON + timedelta(days=5)
    signed(customer_a, at=later)
    assert surveys_after_deliveries(now=later, percent=100) == 0
    next_month = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    signed(customer_a, at=next_month)
    assert surveys_after_deliveries(now=next_month, percent=100) == 1
    assert Survey.objects.filter(customer=customer_a).count() == 2
    assert Message.objects.filter(customer=customer_a).count() == 2


def test_the_month_is_shanghai_s_so_a_new_month_starts_at_16_00_utc(customer_a):
    # 31 January 23:00 in Shanghai, still January in UTC too.
    january = datetime(2026, 1, 31, 15, 0, tzinfo=UTC)
    signed(customer_a, at=january)
    assert surveys_after_deliveries(now=january, percent=100) == 1
    # 1 February 00:30 in Shanghai while UTC still says 31 January: a new month.
    february = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)
    signed(customer_a, at=february)
    assert surveys_after_deliveries(now=february, percent=100) == 1
    assert sorted(Survey.objects.values_list("month", flat=True)) == [
        datetime(2026, 1, 1).date(),
        datetime(2026, 2, 1).date(),
    ]


def test_a_survey_sent_on_shanghai_s_1_february_holds_back_the_rest_of_february(
    customer_a,
):
    early = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)  # 1 Feb 00:30 Shanghai
    signed(customer_a, at=early)
    assert surveys_after_deliveries(now=early, percent=100) == 1
    later = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
    signed(customer_a, at=later)
    assert surveys_after_deliveries(now=later, percent=100) == 0


def test_a_second_scan_sends_nothing_twice(customer_a):
    signed(customer_a)
    assert surveys_after_deliveries(now=NOON, percent=100) == 1
    assert surveys_after_deliveries(now=NOON + timedelta(minutes=2), percent=100) == 0
    assert Survey.objects.count() == 1
    assert Message.objects.filter(customer=customer_a).count() == 1
    assert ScanMark.objects.get(name="surveys:signed").position > 0


def test_a_scan_reads_only_milestones_after_its_mark(customer_a, outlet_a):
    signed(customer_a)
    surveys_after_deliveries(now=NOON, percent=0)
    mark = ScanMark.objects.get(name="surveys:signed").position
    other = make_customer(outlet_a)
    shipment = signed(other)
    surveys_after_deliveries(now=NOON, percent=100)
    assert ScanMark.objects.get(name="surveys:signed").position > mark
    # The first customer's delivery was read within the overlap again; the
    # sample and the month still decide the same.
    assert set(Survey.objects.values_list("shipment", flat=True)) >= {shipment.pk}


def test_a_delivery_committed_after_a_later_key_was_read_is_still_surveyed(
    customer_a, outlet_a
):
    late = signed(customer_a)  # its transaction committed last
    signed(make_customer(outlet_a))
    top = Milestone.objects.order_by("-pk").first().pk
    ScanMark.objects.create(name="surveys:signed", position=top)
    surveys_after_deliveries(now=NOON, percent=100)
    assert Survey.objects.filter(shipment=late).exists()


def test_a_customer_who_opted_out_of_care_gets_no_survey(customer_a):
    customer_a.care_opt_out = True
    customer_a.save(update_fields=["care_opt_out"])
    signed(customer_a)
    assert surveys_after_deliveries(now=NOON, percent=100) == 0
    assert not Message.objects.filter(customer=customer_a).exists()


def test_a_delivery_signed_days_ago_is_not_surveyed(customer_a):
    signed(customer_a, at=NOON - timedelta(days=4), now=NOON)
    assert surveys_after_deliveries(now=NOON, percent=100) == 0


# --- After a remedied problem ------------------------------------------------------


def remedied(customer, now=NOON):
    problem = problem_report(
        customer=customer,
        kind="damage",
        description="Box crushed",
        reported_by=None,
        now=now,
    )
    problem = problem_respond(problem=problem, note="On it", now=now)
    problem = problem_offer_solution(problem=problem, note="Re-send", now=now)
    return problem_remedy(
        problem=problem, remedy_kind="reshipment", note="Re-sent", now=now
    )


def test_a_remedied_problem_sends_a_survey_once(customer_a):
    problem = remedied(customer_a)
    assert problem.stage == ProblemStage.REMEDIED
    later = NOON + timedelta(minutes=5)
    assert surveys_after_remedies(now=later) == 1
    assert surveys_after_remedies(now=later + timedelta(minutes=2)) == 0
    survey = Survey.objects.get()
    assert survey.reason == SurveyReason.PROBLEM and survey.problem == problem
    message = Message.objects.get(customer=customer_a, template="survey_after_problem")
    assert survey.token in message.text_en


def test_a_problem_survey_goes_out_even_after_this_month_s_delivery_survey(
    customer_a,
):
    sent_survey(customer_a)
    remedied(customer_a, now=NOON + timedelta(hours=1))
    assert surveys_after_remedies(now=NOON + timedelta(hours=2)) == 1
    # ...and it counts as the month's survey: no delivery survey follows it.
    assert Survey.objects.filter(customer=customer_a).count() == 2


def test_an_open_problem_sends_no_survey(customer_a):
    problem_report(
        customer=customer_a,
        kind="delay",
        description="Late",
        reported_by=None,
        now=NOON,
    )
    assert surveys_after_remedies(now=NOON + timedelta(minutes=5)) == 0


# --- Answering ----------------------------------------------------------------------


def test_a_detractor_raises_a_call_for_the_account_manager_due_within_24_hours(
    customer_a, account_manager_a
):
    survey = sent_survey(customer_a)
    answered_at = NOON + timedelta(hours=3)
    survey = survey_answer(
        survey=survey, score=3, comment="Box arrived wet", now=answered_at
    )
    call = FollowUp.objects.get(kind=FollowUpKind.DETRACTOR_CALL)
    assert survey.follow_up == call
    assert call.owner == account_manager_a and call.customer == customer_a
    assert answered_at < call.due_at <= answered_at + timedelta(hours=24)
    assert call.due_at == answered_at + DETRACTOR_CALL_WITHIN
    assert "Box arrived wet" in call.note
    clock = Clock.objects.get(subject_type=SubjectType.FOLLOW_UP, subject_id=call.pk)
    assert clock.kind == ClockKind.FOLLOW_UP and clock.due_at == call.due_at
    # On the account manager's day at once, though due tomorrow.
    assert call in my_day(account_manager_a, now=answered_at).follow_ups


def test_a_detractor_without_an_account_manager_goes_to_the_outlet_manager(
    outlet_a, manager_a
):
    survey = sent_survey(make_customer(outlet_a))
    survey_answer(survey=survey, score=6, now=NOON)
    assert FollowUp.objects.get().owner == manager_a


@pytest.mark.parametrize("score", [7, 8, 9, 10])
def test_passives_and_promoters_raise_no_call(customer_a, score):
    survey_answer(survey=sent_survey(customer_a), score=score, now=NOON)
    assert not FollowUp.objects.exists()


def test_a_second_answer_is_refused_and_the_first_stands(customer_a):
    survey = sent_survey(customer_a)
    survey_answer(survey=survey, score=2, comment="Late", now=NOON)
    with pytest.raises(StateConflict):
        survey_answer(survey=survey, score=10, comment="Great", now=NOON)
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (2, "Late")
    assert FollowUp.objects.count() == 1


@pytest.mark.parametrize("score", [11, -1, "11", "ten", "7.5", "", None, True])
def test_a_score_outside_0_to_10_is_refused_and_nothing_is_saved(customer_a, score):
    survey = sent_survey(customer_a)
    with pytest.raises(DomainError) as refused:
        survey_answer(survey=survey, score=score, now=NOON)
    assert "score" in refused.value.fields
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.score is None


def test_a_5000_character_comment_is_refused_and_nothing_is_saved(customer_a):
    survey = sent_survey(customer_a)
    with pytest.raises(DomainError) as refused:
        survey_answer(survey=survey, score=2, comment="x" * 5000, now=NOON)
    assert "comment" in refused.value.fields
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert not FollowUp.objects.exists()


def test_an_expired_survey_cannot_be_answered(customer_a):
    survey = sent_survey(customer_a)
    with pytest.raises(StateConflict):
        survey_answer(survey=survey, score=9, now=survey.expires_at)


# --- The phone page -------------------------------------------------------------------


def test_the_customer_answers_on_the_page_without_logging_in(client, customer_a):
    survey = sent_survey(customer_a, now=timezone.now())
    page = client.get(survey_path(survey), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="score"' in html and html.count('type="radio"') == 11
    assert page["Cache-Control"] == "private, no-store"
    answer = client.post(
        survey_path(survey),
        {"score": "4", "comment": "Courier was rude"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 302
    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.language) == (
        4,
        "Courier was rude",
        "en",
    )
    thanks = client.get(answer["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "Thank you for your answer" in thanks.content.decode()


def test_the_page_is_chinese_unless_the_phone_asks_for_english(client, customer_a):
    survey = sent_survey(customer_a, now=timezone.now())
    chinese = client.get(survey_path(survey), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in chinese.content.decode()
    english = client.get(survey_path(survey), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")
    assert english["Content-Language"] == "en"
    assert "How likely are you to recommend us" in english.content.decode()
    chosen = client.get(
        survey_path(survey) + "?lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert chosen["Content-Language"] == "zh-hans"


def test_a_second_answer_on_the_page_is_refused_politely(client, customer_a):
    survey = sent_survey(customer_a, now=timezone.now())
    client.post(survey_path(survey), {"score": "9"})
    again = client.post(survey_path(survey), {"score": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    survey.refresh_from_db()
    assert survey.score == 9


@pytest.mark.parametrize(
    "data, field",
    [
        ({"score": "11"}, "score"),
        ({"score": "ten"}, "score"),
        ({}, "score"),
        ({"score": "3", "comment": "x" * 5000}, "comment"),
    ],
)
def test_bad_input_on_the_page_is_shown_with_its_reason_and_nothing_saved(
    client, customer_a, data, field
):
    survey = sent_survey(customer_a, now=timezone.now())
    page = client.post(survey_path(survey), data, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    html = page.content.decode()
    reason = {"score": "Choose a score from 0 to 10.", "comment": "1000 characters"}
    assert reason[field] in html
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert not FollowUp.objects.exists()


def test_unknown_expired_and_foreign_tokens_get_the_same_404(client, customer_a):
    survey = sent_survey(customer_a)
    expired = sent_survey(
        make_customer(customer_a.outlet), now=NOON - timedelta(days=20)
    )
    foreign = progress_link_for(customer_a, now=NOON).token
    answers = [
        client.get(reverse("survey:answer", args=[token]), HTTP_ACCEPT_LANGUAGE=lang)
        for token in ("x" * 43, expired.token, foreign, survey.token[:-1] + "_")
        for lang in ("en", "zh-hans")
    ]
    answers.append(client.post(reverse("survey:answer", args=[expired.token]), {}))
    assert {response.status_code for response in answers} == {404}
    assert len({response.content for response in answers}) == 1
    expired.refresh_from_db()
    assert expired.answered_at is None


def test_the_answer_shows_on_the_customer_timeline(customer_a, account_manager_a):
    survey = sent_survey(customer_a)
    survey_answer(survey=survey, score=5, comment="Slow", now=NOON)
    entries, _older = customer_timeline(customer_a, now=NOON + timedelta(hours=1))
    mine = [entry for entry in entries if entry.kind == "survey"]
    assert len(mine) == 1 and mine[0].text == "Slow" and "5" in str(mine[0].title)
    response = api_as(account_manager_a).get(
        f"/api/v1/customers/{customer_a.pk}/timeline/"
    )
    assert response.status_code == 200
    assert "survey" in [entry["kind"] for entry in response.json()["entries"]]


# --- Staff: the answers page and the API ---------------------------------------


def test_an_account_manager_reads_their_customers_answers_and_no_others(
    customer_a, customer_b, account_manager_a, manager_b
):
    mine = sent_survey(customer_a)
    survey_answer(survey=mine, score=3, now=NOON)
    theirs = sent_survey(customer_b)
    listed = api_as(account_manager_a).get("/api/v1/surveys/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert listed[0]["group"] == "detractor" and listed[0]["score"] == 3
    assert "token" not in listed[0]
    other = api_as(manager_b).get("/api/v1/surveys/").json()["results"]
    assert [row["id"] for row in other] == [theirs.pk]
    refused = api_as(manager_b).get(f"/api/v1/customers/{customer_a.pk}/surveys/")
    assert refused.status_code == 404
    assert api_as(manager_b).get(f"/api/v1/surveys/{mine.pk}/").status_code == 404


def test_the_survey_api_filters_by_group_and_month(customer_a, manager_a, outlet_a):
    low = sent_survey(customer_a)
    survey_answer(survey=low, score=1, now=NOON)
    high = sent_survey(make_customer(outlet_a))
    survey_answer(survey=high, score=10, now=NOON)
    api = api_as(manager_a)
    detractors = api.get("/api/v1/surveys/?group=detractor").json()["results"]
    assert [row["id"] for row in detractors] == [low.pk]
    assert len(api.get("/api/v1/surveys/?month=2026-11").json()["results"]) == 2
    assert api.get("/api/v1/surveys/?month=2026-10").json()["results"] == []
    one = api.get(f"/api/v1/customers/{customer_a.pk}/surveys/").json()["results"]
    assert [row["id"] for row in one] == [low.pk]


@pytest.mark.parametrize("query", ["month=2026-13", "month=ten", "group=angry"])
def test_the_survey_api_refuses_a_bad_filter_with_a_reason(manager_a, query):
    response = api_as(manager_a).get(f"/api/v1/surveys/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_the_answers_page_shows_nps_to_managers_and_refuses_couriers(
    client, customer_a, outlet_a, manager_a, courier_a
):
    survey_answer(survey=sent_survey(customer_a), score=2, now=NOON)
    survey_answer(survey=sent_survey(make_customer(outlet_a)), score=10, now=NOON)
    client.force_login(manager_a)
    page = client.get("/care/surveys/")
    assert page.status_code == 200
    assert str(customer_a) in page.content.decode()
    assert page.context["counts"].nps == 0.0
    client.force_login(courier_a)
    assert client.get("/care/surveys/").status_code == 403
