"""The URL modules: every named page and endpoint is reached by its own path,
whatever order config/ lists the apps' modules in."""

from types import ModuleType

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from shipments import api_urls as shipments_api_urls

# Not ours: Django's admin and language switch have their own tests.
FOREIGN = {"admin"}


def _named(patterns, namespace: str = "") -> list[tuple[str, list[str]]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in FOREIGN:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _named(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            params = list(entry.pattern.regex.groupindex)
            found.append((namespace + entry.name, params))
    return found


def _config_reversed(patterns) -> list:
    """config's lists in the opposite order (the apps' own lists as they are)."""
    flipped = []
    for entry in reversed(patterns):
        module = getattr(entry, "urlconf_name", None)
        if getattr(module, "__name__", "") == "config.api_urls":
            inner = ModuleType("flipped_api_urls")
            inner.urlpatterns = _config_reversed(module.urlpatterns)
            entry = URLResolver(
                entry.pattern,
                inner,
                entry.default_kwargs,
                entry.app_name,
                entry.namespace,
            )
        flipped.append(entry)
    return flipped


def _endpoints() -> list[tuple[str, str]]:
    named = _named(get_resolver().url_patterns)
    return [
        (name, reverse(name, kwargs=dict.fromkeys(params, "7")))
        for name, params in named
    ]


def test_every_named_url_resolves_to_itself():
    endpoints = _endpoints()
    assert len(endpoints) > 40
    for name, url in endpoints:
        assert resolve(url).view_name == name, url


def test_every_named_url_resolves_to_itself_with_config_lists_reversed():
    flipped = ModuleType("flipped_urls")
    flipped.urlpatterns = _config_reversed(get_resolver().url_patterns)
    for name, url in _endpoints():
        assert resolve(url, urlconf=flipped).view_name == name, url


def test_bulk_ingest_paths_come_before_the_shipment_router():
    names = [entry.name for entry in shipments_api_urls.urlpatterns]
    first_router_entry = names.index("shipment-list")
    assert names.index("shipment-events") < first_router_entry
    assert names.index("shipment-readings") < first_router_entry
    assert resolve("/api/v1/shipments/events/").url_name == "shipment-events"
    assert resolve("/api/v1/shipments/readings/").url_name == "shipment-readings"
