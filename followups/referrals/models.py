"""Referrals (转介绍): a customer who came because another one sent them.

The fact is ``Customer.referred_by``; ``Referral`` is that customer seen as a
referral, so who may see it is stated once in ``outlets.access`` (the referred
customer's outlet; an account manager sees referrals of their own customers
and those their customers made).
"""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class ReferralManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(referred_by__isnull=False)


class Referral(Customer):
    objects: ClassVar[ReferralManager] = ReferralManager()

    class Meta:
        proxy = True
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-cooperation_start", "-pk"]
