"""What stands between the public pages and someone trying NIKs by the thousand: a small sum
to solve (made and checked here, with no outside service and no script), each answer good
once; and fixed-window limits per client address and per NIK, counted in the database so that
every server process counts the same requests."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.models import RequestCount

SALT = "sejahtera.public-challenge"
MAX_AGE_SECONDS = 15 * 60


def _rate(text: str) -> tuple[int, int]:
    """ "10/hour" → (10, 3600)."""
    count, period = text.split("/")
    seconds = {"minute": 60, "hour": 3600, "day": 86400}[period]
    return int(count), seconds


def allow(kind: str, key: str, rate: str) -> bool:
    """Count one more request of ``kind`` by ``key``; whether it is within ``rate`` in the
    current fixed window. The key is kept only as a keyed hash (a NIK never sits in the
    table), and the count is one atomic update, so parallel requests all count."""
    limit, seconds = _rate(rate)
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()
    name = f"{kind}:{digest[:40]}"
    now = time.time()
    window = int(now // seconds)
    counted = RequestCount.objects.filter(key=name, window=window)
    with transaction.atomic():
        if not counted.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RequestCount.objects.create(
                        key=name,
                        window=window,
                        count=1,
                        expires_at=datetime.fromtimestamp((window + 1) * seconds, tz=UTC),
                    )
            except IntegrityError:  # another request opened the window meanwhile
                counted.update(count=F("count") + 1)
            # a new window: forget the ones that have ended, everyone's
            RequestCount.objects.filter(expires_at__lt=datetime.fromtimestamp(now, tz=UTC)).delete()
        count = counted.values_list("count", flat=True).get()
    return count <= limit


def client_address(request: HttpRequest) -> str:
    """The client's address; an IPv6 client by its /64 network (one household or phone
    gets a whole /64, and would otherwise rotate through it)."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


# How long a second post of a sum waits for the first to be filed (a national server files a
# complaint in well under a second; a failed first post makes the second wait this long).
FILING_WAIT_SECONDS = 8


class ChallengeForm(forms.Form):
    """A form with a sum to solve: ``challenge`` carries the signed answer, ``answer`` is the
    person's. Each rendering shows a new sum (a failed one is never asked again), and a solved
    challenge is spent: a second post of it fails."""

    challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    answer = forms.IntegerField(
        required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
        token = signing.dumps({"sum": left + right, "nonce": secrets.token_hex(8)}, salt=SALT)
        self.fields["answer"].label = _("How much is %(left)s + %(right)s?") % {
            "left": left,
            "right": right,
        }
        self.initial["challenge"] = token
        self.posted = ("", "")
        self.nonce, self.replayed, self.content = "", False, ""
        if self.is_bound:
            names = self.add_prefix("challenge"), self.add_prefix("answer")
            self.posted = (self.data.get(names[0], ""), self.data.get(names[1], ""))
            self.content = _digest(self.data, {*names, "csrfmiddlewaretoken"})
            shown = dict(self.data.items())
            shown[names[0]], shown[names[1]] = token, ""
            self.data = shown

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        wrong = forms.ValidationError(
            _("The answer to the sum is wrong or too old; solve the new one."), code="challenge"
        )
        token, answer = self.posted
        try:
            signed = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
        except signing.BadSignature:
            raise wrong from None
        if answer.strip() != str(signed["sum"]):
            raise wrong
        self.nonce = signed["nonce"]
        # what the first post of this sum sends, while it is being filed (see filed_before)
        if not cache.add(f"public-challenge:{self.nonce}", self.content, MAX_AGE_SECONDS):
            self.replayed = True
            raise wrong  # already spent
        return cleaned

    def remember(self, tracking_number: str) -> None:
        """What this solved sum filed: the same form posted again (a double tap, a resend
        after a lost answer) shows it again, files nothing, and is not told it failed."""
        cache.set(f"public-filed:{self.nonce}", [self.content, tracking_number], MAX_AGE_SECONDS)

    def filed_before(self) -> str | None:
        """The tracking number this very form, with these very answers, filed already (after
        ``is_valid``), if any: a changed form is a new request, and needs a new sum."""
        if not self.replayed:
            return None
        # A double tap on a slow phone: the first post may still be filing this very form. Its
        # number is waited for, or the second answer would ask for a new sum and the citizen,
        # told nothing was filed, would file again.
        deadline = time.monotonic() + FILING_WAIT_SECONDS
        while True:
            content, number = cache.get(f"public-filed:{self.nonce}", ["", None])
            first_sent = cache.get(f"public-challenge:{self.nonce}")
            if number is not None or first_sent != self.content or time.monotonic() > deadline:
                return number if content == self.content else None
            time.sleep(0.2)


def _digest(data: Any, left_out: set[str]) -> str:
    fields = sorted((k, data.getlist(k) if hasattr(data, "getlist") else [data[k]]) for k in data)
    kept = [(k, v) for k, v in fields if k not in left_out]
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()
