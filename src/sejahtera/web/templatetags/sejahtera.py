from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sejahtera.domain.conditionality import Breach
from sejahtera.domain.disbursement import reference
from sejahtera.domain.disclosure import SMALL_CELL
from sejahtera.domain.rehabilitation import DOMAINS
from sejahtera.i18n import render_cluster_reason, render_finding, render_reasons
from sejahtera.labels import (
    ASSESSMENT_TOPIC_LABELS,
    ATENSI_STEP_LABELS,
    audit_flag,
    citizen_assistance_label,
    cluster_label,
    column_label,
    delivery_reason,
    participation_label,
    payment_label,
    programme_label,
    stage_label,
    track_label,
    value_label,
)
from sejahtera.registry.models import Household, Person

register = template.Library()


register.filter("finding_message", render_finding)
# A targeting decision's reasons and a cluster's, stored as codes, in the reader's language.
register.filter("reasons", render_reasons)
register.filter("cluster_reason", render_cluster_reason)
register.filter("track_label", track_label)


@register.filter
def label(column: str) -> str:
    return column_label(column)


@register.filter
def value(code: str) -> str:
    return value_label(code)


@register.filter
def cluster(code: str) -> str:
    return cluster_label(code)


@register.filter(name="programme")
def programme_filter(code: str) -> str:
    return programme_label(code)


@register.filter(name="audit_flag")
def audit_flag_filter(code: str) -> str:
    return audit_flag(code)


@register.filter
def atensi_step(code: str) -> str:
    return str(ATENSI_STEP_LABELS.get(code, code))


@register.filter
def translated(template: str) -> str:
    """A message the domain marked for translation (``gettext_noop``), in the reader's language."""
    return gettext(template)


@register.filter
def functioning_domain(code: str) -> str:
    """A domain of the social functioning instrument, in the reader's language."""
    return gettext(DOMAINS.get(code, code))


@register.filter
def signed(number: int) -> str:
    """A change: "+3", "0", "−2"."""
    return f"+{number}" if number > 0 else ("−" + str(-number) if number < 0 else "0")


@register.filter
def breach_message(breach: Breach, person: Person) -> str:
    """A family member's repeated PKH non-compliance, in words."""
    return render_finding(breach.finding(person.full_name))


@register.filter
def topic(code: str) -> str:
    """An assessment topic ("family_functioning") in words."""
    return str(ASSESSMENT_TOPIC_LABELS.get(code, code))


NIK_WARNINGS = {
    "NIK_SEX_MISMATCH": _("the NIK encodes a different sex than recorded"),
    "NIK_BIRTHDATE_MISMATCH": _("the NIK encodes a different birth date than recorded"),
    "NIK_REGION_FORMER": _("the NIK carries a former regency code (still valid)"),
}


@register.filter
def nik_warning(code: str) -> str:
    return str(NIK_WARNINGS.get(code, code))


@register.filter
def figure(count: int | None) -> str:
    """A count as a figure, grouped the page's way; a small cell withheld (None, see
    ``domain.disclosure``) as "fewer than five"."""
    if count is None:
        return gettext("fewer than %(limit)s") % {"limit": SMALL_CELL}
    return number_format(count, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def rupiah(amount: int | Decimal | None) -> str:
    """Money the way the page's language writes it: "Rp 4.200.000" in Indonesian (thousands
    with dots), "Rp 4,200,000" in English; whole rupiah; "–" when unknown."""
    if amount is None or amount == "":
        return "–"
    return "Rp\u00a0" + number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)


register.filter("stage", stage_label)
register.filter("participation", participation_label)
register.filter("delivery_reason", delivery_reason)
register.filter("payment", payment_label)
register.filter("citizen_assistance", citizen_assistance_label)
register.filter("payment_reference", reference)


@register.filter
def get(mapping: object, key: str) -> object:
    """``mapping[key]`` in a template (a table's cell by its column), None when absent."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, key: str, title: str) -> str:
    """A column heading that sorts the list by ``key`` (again: the other way round), keeping
    the other parameters of the page and dropping its page number."""
    query = context["request"].GET.copy()
    current = query.get("sort", context.get("default_sort", ""))
    ascending = current == key
    query["sort"] = f"-{key}" if ascending else key
    query.pop("page", None)
    state = "ascending" if ascending else "descending" if current == f"-{key}" else "none"
    arrow = {"ascending": " ▲", "descending": " ▼", "none": ""}[state]
    return format_html(
        '<th aria-sort="{}"><a href="?{}">{}{}</a></th>', state, query.urlencode(), title, arrow
    )


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, number: int) -> str:
    """The page's parameters with another page number (for the pagination links)."""
    query = context["request"].GET.copy()
    query["page"] = str(number)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def household_name(context: template.Context, household: Household) -> str:
    """A household as people name it (``presenters.household_labels``)."""
    from sejahtera.web.presenters import household_labels  # presenters use these filters

    [label] = household_labels(context["request"].user, [household])
    return label
