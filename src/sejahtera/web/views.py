from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sejahtera.registry import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"totals": selectors.registry_totals()})
