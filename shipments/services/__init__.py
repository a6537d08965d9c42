"""State changes of pickups, shipments, milestones, problems and readings.

One function per state change, shared by pages, API and tasks. Each starts or
meets its service clocks and writes its messages in the same transaction.
"""

from .excursions import excursion_confirm, excursion_handle
from .milestones import milestone_record, milestones_record_bulk
from .pickups import (
    pickup_accept,
    pickup_contact,
    pickup_create,
    pickup_enter,
    pickup_pick_up,
)
from .problems import (
    problem_close,
    problem_offer_solution,
    problem_pause,
    problem_remedy,
    problem_report,
    problem_respond,
    problem_resume,
    shipment_report_delay,
)
from .progress import progress_updates_send
from .readings import reading_record, readings_record_bulk

__all__ = [
    "excursion_confirm",
    "excursion_handle",
    "progress_updates_send",
    "readings_record_bulk",
    "milestone_record",
    "milestones_record_bulk",
    "pickup_accept",
    "pickup_contact",
    "pickup_create",
    "pickup_enter",
    "pickup_pick_up",
    "problem_close",
    "problem_offer_solution",
    "problem_pause",
    "problem_remedy",
    "problem_report",
    "problem_respond",
    "problem_resume",
    "reading_record",
    "shipment_report_delay",
]
