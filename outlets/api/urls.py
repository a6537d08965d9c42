from django.db.transaction import non_atomic_requests
from django.urls import path

from .tokens import MyTokenView, TokenLoginView

urlpatterns = [
    # Outside the request's transaction (lib/atomic_writes.py): a failed login
    # answers 401 and its record, which the lock-out counts, must be kept.
    path(
        "auth/token/",
        non_atomic_requests(TokenLoginView.as_view()),
        name="api-token-login",
    ),
    path("me/token/", MyTokenView.as_view(), name="api-my-token"),
]
