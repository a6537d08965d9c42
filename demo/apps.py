from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`; nothing imports it."""

    name = "demo"
