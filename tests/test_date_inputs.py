"""Date and time inputs take ISO values whatever the page's language.

A browser shows ``<input type="date" value="2026/12/02">`` as empty and refuses
to submit it; so every date, time, month and datetime-local input of every form
must render ISO in Chinese too, and what it renders must be accepted back.
"""

import importlib
import pkgutil
import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django import forms
from django.utils import timezone, translation

from clocks.forms import ReportForm
from customers.models import CustomerNote

from .conftest import NOON, SHANGHAI

ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
}
SAMPLES = {
    "date": date(2026, 12, 2),
    "month": date(2026, 12, 1),
    "time": time(9, 5),
    "datetime-local": datetime(2026, 12, 2, 9, 5, tzinfo=SHANGHAI),
}
APPS = ("customers", "shipments", "clocks", "outlets")
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ISO:
            self.found.append(attrs)


def date_inputs(html: str) -> list[dict]:
    parser = _Inputs()
    parser.feed(html)
    return parser.found


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "forms" in module.name.rsplit(".", 1)[-1]:
                importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] in APPS:
            found.append(cls)
    return found


def _date_fields(form_class) -> list[tuple[str, forms.Field]]:
    return [
        (name, field)
        for name, field in form_class.base_fields.items()
        if getattr(field.widget, "input_type", None) in ISO
    ]


def assert_iso(inputs: list[dict]) -> None:
    for attrs in inputs:
        value = attrs.get("value", "")
        assert not value or ISO[attrs["type"]].match(value), attrs


# --- Every form, field by field ---------------------------------------------


def test_the_project_has_date_and_time_inputs_to_check():
    fields = {
        (cls.__name__, name)
        for cls in _project_forms()
        for name, _ in _date_fields(cls)
    }
    assert {
        ("NoteForm", "noted_on"),
        ("HabitsForm", "pickup_window_start"),
        ("DelayForm", "new_expected_at"),
        ("MonthForm", "month"),
    } <= fields


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_and_time_input_of_every_form_renders_iso_and_reads_it_back(
    language,
):
    checked = 0
    with translation.override(language), timezone.override(SHANGHAI):
        for form_class in _project_forms():
            for name, field in _date_fields(form_class):
                kind = field.widget.input_type
                html = field.widget.render(name, SAMPLES[kind])
                [attrs] = date_inputs(html)
                assert ISO[kind].match(attrs["value"]), (form_class, name, html)
                assert field.clean(attrs["value"]) == SAMPLES[kind], (form_class, name)
                checked += 1
    assert checked >= 5


def test_report_form_default_dates_render_iso_in_chinese(manager_a):
    with translation.override("zh-hans"):
        form = ReportForm(manager_a, {})
        assert form.is_valid(), form.errors
        inputs = date_inputs(str(form["from"]) + str(form["to"]))
    assert [i["value"] for i in inputs] == [
        form.start.isoformat(),
        form.end.isoformat(),
    ]


def test_chinese_localized_dates_are_still_accepted_when_typed():
    field = forms.DateField()
    with translation.override("zh-hans"):
        assert field.clean("2026/12/02") == date(2026, 12, 2)
        assert field.clean("2026年12月2日") == date(2026, 12, 2)
        assert field.clean("2026-12-02") == date(2026, 12, 2)


# --- The pages, as a Chinese browser gets and submits them -----------------


@pytest.mark.django_db
def test_customer_page_in_chinese_prefills_iso_date_and_times(
    client, account_manager_a, customer_a
):
    customer_a.habits.pickup_window_start = time(9, 0)
    customer_a.habits.pickup_window_end = time(11, 30)
    customer_a.habits.save()
    client.force_login(account_manager_a)
    page = client.get(f"/customers/{customer_a.pk}/", **CHINESE).content.decode()
    inputs = {i["name"]: i.get("value", "") for i in date_inputs(page)}
    assert inputs["noted_on"] == timezone.localdate().isoformat()
    assert (inputs["pickup_window_start"], inputs["pickup_window_end"]) == (
        "09:00",
        "11:30",
    )
    assert_iso(date_inputs(page))


@pytest.mark.django_db
def test_a_note_added_in_chinese_with_the_prefilled_date_is_saved(
    client, account_manager_a, customer_a
):
    client.force_login(account_manager_a)
    page = client.get(f"/customers/{customer_a.pk}/", **CHINESE).content.decode()
    [noted_on] = [i["value"] for i in date_inputs(page) if i["name"] == "noted_on"]
    client.post(
        f"/customers/{customer_a.pk}/notes/",
        {"noted_on": noted_on, "text": "周三上午10点前揽收"},
        **CHINESE,
    )
    note = CustomerNote.objects.get(customer=customer_a)
    assert (note.noted_on.isoformat(), note.text) == (noted_on, "周三上午10点前揽收")


@pytest.mark.django_db
def test_habit_times_saved_in_chinese_come_back_as_they_were(
    client, account_manager_a, customer_a
):
    client.force_login(account_manager_a)
    url = f"/customers/{customer_a.pk}/"
    client.post(
        url + "habits/",
        {"pickup_window_start": "08:15", "pickup_window_end": "10:00"},
        **CHINESE,
    )
    customer_a.habits.refresh_from_db()
    assert customer_a.habits.pickup_window_start == time(8, 15)
    page = client.get(url, **CHINESE).content.decode()
    values = {i["name"]: i.get("value") for i in date_inputs(page)}
    assert values["pickup_window_start"] == "08:15"


@pytest.mark.django_db
def test_breach_report_in_chinese_shows_iso_dates_and_reads_them_back(
    client, manager_a
):
    client.force_login(manager_a)
    first = client.get("/service/report/", **CHINESE)
    values = {i["name"]: i["value"] for i in date_inputs(first.content.decode())}
    assert_iso(date_inputs(first.content.decode()))
    again = client.get("/service/report/", values, **CHINESE)
    assert again.status_code == 200
    assert again.context["form"].is_valid()
    assert again.context["form"].start.isoformat() == values["from"]


@pytest.mark.django_db
def test_delay_form_in_chinese_shows_iso_and_accepts_what_it_showed(manager_a):
    from shipments.problems.forms import DelayForm

    expected = NOON + timedelta(hours=3)
    with translation.override("zh-hans"), timezone.override(SHANGHAI):
        form = DelayForm(initial={"new_expected_at": expected}, user=manager_a)
        [attrs] = date_inputs(str(form["new_expected_at"]))
        assert attrs["value"] == "2026-11-18T15:00"
        assert form.fields["new_expected_at"].clean(attrs["value"]) == expected
