"""Every page of shipments, one list per sub-domain, each under its namespace.

Templates and tests reverse these names ("shipments:courier-pickups",
"problems:board", "excursions:board", "progress:board"), so paths and names
stay as they are.
"""

from django.urls import include, path

from .coldchain import views as coldchain
from .pickups import views as pickups
from .problems import views as problems
from .tracking import views as tracking

# The courier's phone pages.
pickup_patterns = [
    path("pickups/", pickups.courier_pickups, name="courier-pickups"),
    path("pickups/<int:pk>/", pickups.courier_pickup, name="courier-pickup"),
    path("pickups/<int:pk>/accept/", pickups.accept, name="pickup-accept"),
    path("pickups/<int:pk>/contact/", pickups.contact, name="pickup-contact"),
    path("pickups/<int:pk>/pick-up/", pickups.pick_up, name="pickup-pick-up"),
    path("pickups/<int:pk>/enter/", pickups.enter, name="pickup-enter"),
]

problem_patterns = [
    path("", problems.board, name="board"),
    path("report/", problems.report, name="report"),
    path("summary/", problems.summary, name="summary"),
    path("<int:pk>/", problems.detail, name="detail"),
    path("<int:pk>/<slug:step>/", problems.act, name="act"),
]

excursion_patterns = [
    path("", coldchain.board, name="board"),
    path("<int:pk>/", coldchain.detail, name="detail"),
    path("<int:pk>/handle/", coldchain.handle, name="handle"),
    path("<int:pk>/confirm/", coldchain.confirm, name="confirm"),
]

# The customer's public progress board, and the staff's link rotation.
progress_patterns = [
    path("rotate/<int:customer_id>/", tracking.rotate, name="rotate"),
    path("<str:token>/", tracking.board, name="board"),
]

# Each list has its own prefix, so their order here does not matter.
urlpatterns = [
    path("shipments/", include((pickup_patterns, "shipments"))),
    path("problems/", include((problem_patterns, "problems"))),
    path("cold-chain/", include((excursion_patterns, "excursions"))),
    path("p/", include((progress_patterns, "progress"))),
]
