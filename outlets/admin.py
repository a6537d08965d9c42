"""The admin: looking up and correcting reference data, scoped like every page.

Every ModelAdmin mixes in ``ScopedAdmin`` so that its rows, and the choices of
its foreign keys, go through ``outlets.access.visible``: a manager of outlet A
neither sees nor can pick anything of outlet B. Who may open a model at all is
left to Django's model permissions.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import BLANK_CHOICE_DASH, ForeignKey, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from .access import visible
from .models import ApiToken, BusinessHours, Outlet, Role, Staff
from .requests import staff_of
from .services import staff_disable

if TYPE_CHECKING:
    # The mixins below always sit in front of a ModelAdmin or an inline.
    _AdminBase = admin.options.BaseModelAdmin[Any]
else:
    _AdminBase = object


def sees_everything(user: Staff) -> bool:
    return user.is_superuser or user.is_hq


def scoped(user: Staff, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see in the admin."""
    return visible(user, queryset)


class ScopedChoices(_AdminBase):
    """Narrow every foreign key's choices to what the user may see.

    Used on inlines too; their rows need no scoping of their own, since an
    inline only ever shows the rows of a parent the user could open.
    """

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs
    ):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is None or formfield.queryset is None:
            return formfield
        # Narrowed before the admin wraps the widget, so the rendered choices
        # and the validated ones are the same queryset.
        formfield.queryset = scoped(staff_of(request), formfield.queryset)
        if db_field.name == "outlet" and not sees_everything(staff_of(request)):
            # A blank outlet means "network-wide", which only HQ may write.
            formfield.required = True
        return formfield


class ScopedAdmin(ScopedChoices):
    """Rows and choices narrowed by ``outlets.access``; every ModelAdmin uses it.

    ``scope_through`` names a foreign key for a model that access.py has no
    paths for: its rows are those whose parent the user may see.
    """

    scope_through: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope(staff_of(request), super().get_queryset(request))

    def scope(self, user: Staff, queryset: QuerySet) -> QuerySet:
        if self.scope_through is None:
            return scoped(user, queryset)
        parent = self.model._meta.get_field(self.scope_through).related_model
        parents = scoped(user, parent._default_manager.all())
        return queryset.filter(**{f"{self.scope_through}__in": parents})


class NetworkWideAdmin(ScopedAdmin):
    """Reference data shared by every outlet (thresholds, holidays).

    Everyone with the view permission may look; only HQ may change it, because
    a change made by one outlet would move every other outlet's numbers.
    """

    def scope(self, user: Staff, queryset: QuerySet) -> QuerySet:
        return queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_everything(staff_of(request)) and super().has_add_permission(
            request
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return sees_everything(staff_of(request)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return sees_everything(staff_of(request)) and super().has_delete_permission(
            request, obj
        )


class ReadOnlyAdmin:
    """For rows only services write (clocks, the outbox, history): look, don't touch.

    Editing them here would skip what the service does alongside: meeting a
    clock, writing the message, keeping the history true.
    """

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class SameOutletForm(forms.ModelForm):
    """The customer and shipment of a row must belong to the row's outlet."""

    related_to_outlet = ("customer", "shipment")

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        outlet = cleaned.get("outlet")
        outlet_id = outlet.pk if outlet else self.instance.outlet_id
        if outlet_id is None:
            return cleaned
        for name in self.related_to_outlet:
            value = cleaned.get(name)
            if value is not None and value.outlet_id != outlet_id:
                self.add_error(name, _("This belongs to another outlet."))
        return cleaned


class BusinessHoursInline(ScopedChoices, admin.TabularInline):
    model = BusinessHours
    extra = 0
    max_num = 7


@admin.register(Outlet)
class OutletAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "phone", "address")
    search_fields = ("code", "name", "address", "phone")
    inlines = [BusinessHoursInline]


@admin.register(Staff)
class StaffAdmin(ScopedAdmin, UserAdmin):
    list_display = (
        "username",
        "full_name",
        "role",
        "outlet",
        "phone",
        "manager",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "role",
        ("outlet", admin.RelatedOnlyFieldListFilter),
        "is_staff",
        "is_active",
    )
    list_select_related = ("outlet", "manager")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    _work = ("role", "outlet", "phone", "manager")
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("Work"), {"fields": _work}))
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("Work"), {"fields": _work}))
    actions = ["disable"]
    # Only a superuser may hand out what makes someone a superuser, or
    # permissions beyond their own: a manager must not be able to promote
    # themselves or their staff past what HQ gave them.
    _privileges = ("is_superuser", "groups", "user_permissions")

    @admin.display(description=pgettext_lazy("person", "Name"), ordering="last_name")
    def full_name(self, staff: Staff) -> str:
        return staff.get_full_name()

    @admin.action(description=_("Disable the selected staff and log them out"))
    def disable(self, request: HttpRequest, queryset: QuerySet) -> None:
        now = timezone.now()
        for staff in queryset:
            staff_disable(staff=staff, now=now)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d staff member disabled and logged out everywhere.",
                "%(count)d staff members disabled and logged out everywhere.",
                count,
            )
            % {"count": count},
        )

    def save_model(self, request: HttpRequest, obj: Staff, form, change: bool):
        super().save_model(request, obj, form, change)
        # Unticking "active" is disabling: sessions and tokens end with it.
        if change and "is_active" in form.changed_data and not obj.is_active:
            staff_disable(staff=obj, now=timezone.now())

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple:
        fields = (*super().get_readonly_fields(request, obj), "last_login")
        if request.user.is_superuser:
            return fields
        return (*fields, *self._privileges)

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "role" and not sees_everything(staff_of(request)):
            kwargs["choices"] = BLANK_CHOICE_DASH + [
                (value, label)
                for value, label in Role.choices
                if value != Role.HQ_ADMIN
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


# API tokens are credentials: only their hash is stored, and this list shows
# whose they are and until when, scoped like the staff themselves. Only the
# services mint them (outlets.services); here they can only be revoked.
@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_through = "user"
    list_display = ("user", "created", "expiry")
    list_select_related = ("user",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
