"""The columns of a customer file, shared by the import and the export."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

# In this order in an export; an import finds them by name in any order.
COLUMNS: dict[str, StrOrPromise] = {
    "name": _("Name"),
    "company": _("Company"),
    "contact_person": _("Contact person"),
    "phone": _("Phone"),
    "address": _("Address"),
    "account_manager": _("Account manager"),
    "cooperation_start": _("Cooperation start"),
    "referred_by": _("Referred by"),
    "preferred_channel": _("Preferred channel"),
    "language": _("Language"),
    "tier": _("Tier"),
    "needs": _("Needs"),
}
REQUIRED = ("name", "phone", "cooperation_start")
# Headers a Chinese office's own spreadsheets commonly carry for our columns.
ALIASES = {
    "客户名称": "name",
    "名称": "name",
    "公司名称": "company",
    "手机": "phone",
    "手机号": "phone",
    "联系电话": "phone",
    "需求": "needs",
    "等级": "tier",
}
LANGUAGES = ("en", "zh-hans")


def _key(text: StrOrPromise) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").split())


def header_names() -> dict[str, str]:
    """Every way a header may name a column: its key, or its label in any
    interface language (a file from a Chinese Excel says 电话, not phone)."""
    names = {_key(column): column for column in COLUMNS} | ALIASES
    for language in LANGUAGES:
        with translation.override(language):
            names |= {_key(label): column for column, label in COLUMNS.items()}
    return names


def choice_names(choices) -> dict[str, str]:
    """A choice by its value or its label in any interface language."""
    names: dict[str, str] = {}
    for language in LANGUAGES:
        with translation.override(language):
            names |= {_key(label): value for value, label in choices}
    return names | {_key(value): value for value, _label in choices}


def normal(text: str) -> str:
    return _key(text)
