"""Human labels for the exchange-format columns and their coded values (translated)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COLUMN_LABELS: dict[str, Promise] = {
    "household_id": _("Household ID"),
    "kk_number": _("KK number"),
    "region_code": _("Village"),
    "address": _("Address"),
    "rt": _("RT"),
    "rw": _("RW"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "house_ownership": _("House ownership"),
    "floor_area_m2": _("Floor area (m²)"),
    "floor_type": _("Floor"),
    "wall_type": _("Walls"),
    "roof_type": _("Roof"),
    "drinking_water": _("Drinking water"),
    "lighting": _("Lighting"),
    "electricity_va": _("Electricity (VA)"),
    "cooking_fuel": _("Cooking fuel"),
    "toilet": _("Toilet"),
    "assets": _("Assets"),
    "monthly_expenditure_idr": _("Monthly expenditure (Rp)"),
    "person_id": _("Person ID"),
    "nik": _("NIK"),
    "full_name": _("Full name"),
    "sex": _("Sex"),
    "birth_date": _("Birth date"),
    "birth_place": _("Birth place"),
    "relationship": _("Relationship to head"),
    "marital_status": _("Marital status"),
    "education": _("Highest education"),
    "school_enrolled": _("Currently enrolled in"),
    "employment": _("Employment"),
    "monthly_income_idr": _("Monthly income (Rp)"),
    "disability": _("Disability"),
    "disability_severity": _("Disability severity"),
    "chronic_illness": _("Chronic illness"),
    "pregnant": _("Pregnant"),
    "neglected": _("Neglected (no carer / basic needs unmet)"),
    "orphan": _("Orphan"),
    "street_situation": _("Homeless, begging or scavenging"),
    "child_in_conflict_with_law": _("Child in conflict with the law"),
    "disaster_victim": _("Disaster victim"),
    "disaster_event": _("Disaster event"),
    "remote_indigenous": _("Remote indigenous community (KAT)"),
    "inmate_status": _("Inmate status"),
    "violence_victim": _("Victim of violence"),
    "trafficking_victim": _("Victim of trafficking"),
    "drug_user": _("Drug use (NAPZA)"),
    "hiv": _("HIV"),
    "social_problem": _("Psycho-social or social problem"),
    "deceased_date": _("Date of death"),
}

VALUE_LABELS: dict[str, Promise] = {
    # sex
    "L": _("Male"),
    "P": _("Female"),
    # shared
    "none": _("None"),
    "other": _("Other"),
    # house ownership
    "own": _("Own"),
    "rent": _("Rented"),
    "free": _("Rent-free"),
    "official": _("Official housing"),
    # materials
    "ceramic": _("Ceramic"),
    "wood": _("Wood"),
    "cement": _("Cement"),
    "earth": _("Earth"),
    "brick": _("Brick"),
    "bamboo": _("Bamboo"),
    "tile": _("Tile"),
    "metal": _("Metal sheet"),
    "asbestos": _("Asbestos"),
    "thatch": _("Thatch"),
    # water
    "piped": _("Piped"),
    "bottled": _("Bottled"),
    "protected_well": _("Protected well"),
    "unprotected_well": _("Unprotected well"),
    "river": _("River"),
    "rain": _("Rain water"),
    # lighting and fuel
    "pln_meter": _("PLN with meter"),
    "pln_no_meter": _("PLN without meter"),
    "non_pln": _("Non-PLN"),
    "lpg_3kg": _("LPG 3 kg"),
    "lpg_large": _("LPG > 3 kg"),
    "electric": _("Electric"),
    "kerosene": _("Kerosene"),
    "charcoal": _("Charcoal"),
    # toilet
    "private": _("Private"),
    "shared": _("Shared"),
    "public": _("Public"),
    # assets
    "motorcycle": _("Motorcycle"),
    "car": _("Car"),
    "refrigerator": _("Refrigerator"),
    "tv": _("TV"),
    "ac": _("Air conditioner"),
    "smartphone": _("Smartphone"),
    "gold": _("Gold"),
    "land": _("Land"),
    "livestock": _("Livestock"),
    "boat": _("Boat"),
    # relationship
    "head": _("Head of household"),
    "spouse": _("Spouse"),
    "child": _("Child"),
    "grandchild": _("Grandchild"),
    "parent": _("Parent"),
    "in_law": _("In-law"),
    "other_relative": _("Other relative"),
    # marital status
    "single": _("Single"),
    "married": _("Married"),
    "divorced": _("Divorced"),
    "widowed": _("Widowed"),
    # education and enrolment
    "primary": _("Primary school"),
    "junior": _("Junior secondary"),
    "senior": _("Senior secondary"),
    "diploma": _("Diploma"),
    "bachelor_plus": _("Bachelor or higher"),
    "early": _("Early childhood"),
    "higher": _("Higher education"),
    # employment
    "farmer": _("Farmer"),
    "fisher": _("Fisher"),
    "laborer": _("Laborer"),
    "informal": _("Informal worker"),
    "private_employee": _("Private employee"),
    "civil_servant": _("Civil servant"),
    "entrepreneur": _("Entrepreneur"),
    "retired": _("Retired"),
    "student": _("Student"),
    # disability
    "physical": _("Physical"),
    "intellectual": _("Intellectual"),
    "mental": _("Mental"),
    "sensory": _("Sensory"),
    "multiple": _("Multiple"),
    "mild": _("Mild"),
    "moderate": _("Moderate"),
    "severe": _("Severe"),
    # inmate status
    "inmate": _("Inmate"),
    "former_inmate": _("Former inmate"),
}


def column_label(name: str) -> str:
    return str(COLUMN_LABELS.get(name, name))


def value_label(value: str) -> str:
    return str(VALUE_LABELS.get(value, value))


def choices(values: tuple[str, ...]) -> list[tuple[str, Promise | str]]:
    return [(v, VALUE_LABELS.get(v, v)) for v in values]


# The 12 PAS clusters (Kepmensos 103/HUK/2025); the codes stay as they are in data and API.
CLUSTER_LABELS: dict[str, Promise] = {
    "ANAK_RENTAN": _("Vulnerable children"),
    "DISABILITAS": _("Persons with disabilities"),
    "LANSIA_TELANTAR": _("Neglected elderly"),
    "BERPENDAPATAN_RENDAH": _("Low income"),
    "KORBAN_BENCANA": _("Disaster victims"),
    "AFIRMASI_KHUSUS": _("Special affirmation (remote indigenous)"),
    "WARGA_BINAAN": _("Inmates and ex-inmates"),
    "KORBAN_KEKERASAN": _("Victims of violence"),
    "NAPZA_HIV": _("Drug-abuse victims and people with HIV"),
    "BERMASALAH_SOSIAL": _("People with social problems"),
    "PEREMPUAN_RENTAN": _("Vulnerable women"),
    "FAKIR_MISKIN": _("The poor"),
}


def cluster_label(code: str) -> str:
    return str(CLUSTER_LABELS.get(code, code))


# The journey's stages as the ministry names them (the codes stay English in data and API).
STAGE_LABELS: dict[str, Promise] = {
    "registered": _("Registered"),
    "assessed": _("Assessed"),
    "protection": _("Protection"),
    "rehabilitation": _("Rehabilitation"),
    "empowerment": _("Empowerment"),
    "graduated": _("Graduated"),
    "terminated": _("Terminated (referred)"),
    "monitoring": _("Aftercare monitoring"),
    "closed": _("Closed"),
}


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


# What a social worker's assessment covers (cases.services.ASSESSMENT_TOPICS), topic by topic.
ASSESSMENT_TOPIC_LABELS: dict[str, Promise] = {
    "health": _("Health"),
    "disability": _("Disability"),
    "education": _("Education"),
    "work": _("Work"),
    "family_functioning": _("Family functioning"),
    "risks": _("Risks"),
}


# The practice steps of ATENSI (domain.rehabilitation.PracticeStep).
ATENSI_STEP_LABELS: dict[str, Promise] = {
    "engagement": _("Engagement"),
    "assessment": _("Problem assessment"),
    "plan": _("Intervention plan"),
    "intervention": _("Intervention"),
    "resocialisation": _("Re-socialisation"),
    "referral": _("Referral"),
    "termination": _("Termination"),
    "aftercare": _("Aftercare"),
}


# The two empowerment tracks (domain.empowerment.Track), as a phrase: "the business track".
TRACK_LABELS: dict[str, Promise] = {
    "business": _("business"),
    "employment": _("employment"),
}


def track_label(track: str) -> str:
    return str(TRACK_LABELS.get(track, track))


# The numbers of a rules file, as the what-if form names them (domain.targeting.settings).
SETTING_LABELS: dict[str, Promise] = {
    "max_decile": _("Highest eligible decile"),
    "min_age": _("Youngest age"),
    "max_age": _("Oldest age"),
    "stages_per_year": _("Payment stages a year"),
    "max_components": _("Most components per household"),
    "cap": _("Most members counted per household"),
    "yearly_amount": _("Amount a year (Rp)"),
    "monthly_amount": _("Amount a month (Rp)"),
    "monthly_amount_per_person": _("Amount a month per person (Rp)"),
    "one_off_amount": _("One-off amount (Rp)"),
    "max_capital_amount": _("Largest business capital (Rp)"),
}


def setting_label(key: str) -> str:
    return str(SETTING_LABELS.get(key, key))


# Why a decree line, an enrolment's suspension or an entitlement is what it is (the codes of
# domain.delivery, and the cycle's "duplicate_nik").
DELIVERY_REASON_LABELS: dict[str, Promise] = {
    "not_eligible": _("no longer eligible"),
    "limit": _("left out by a quota or the budget"),
    "deceased": _("deceased"),
    "graduated": _("graduated"),
    "duplicate_review": _("possible duplicate under review"),
    "merged": _("merged into another record of the same person"),
    "moved": _("moved"),
    "freed_place": _("takes a place that was freed"),
    "requested": _("at a social worker's request"),
    "conditionality": _("PKH commitments not met"),
    "family_request": _("at the family's request"),
    "case_request": _("at a social worker's request"),
    "objection_review": _("objection under review"),
    "duplicate_nik": _("NIK already paid in this cycle"),
}


def delivery_reason(code: str) -> str:
    return str(DELIVERY_REASON_LABELS.get(code, code)) if code else ""


# The ministry's programmes as a citizen knows them (cek bansos, the public objection form);
# staff pages keep the codes, which are the programmes' own short names.
PROGRAMME_LABELS: dict[str, Promise] = {
    "PKH": _(
        "Family Hope Programme (PKH): cash for families with children, pregnant women, "
        "the elderly or people with severe disabilities"
    ),
    "SEMBAKO": _("Sembako (BPNT): monthly food assistance"),
    "PBI_JK": _("PBI-JK: national health insurance (JKN) paid by the state"),
    "PENA": _("PENA: business capital and mentoring"),
    "ATENSI": _("ATENSI: social rehabilitation assistance"),
}


def programme_label(code: str) -> str:
    return str(PROGRAMME_LABELS.get(code, code))


# The error audit's findings (targeting.reports): what each flag says of an eligible decision
# (a likely inclusion error) or a household left out (a likely exclusion error).
AUDIT_FLAG_LABELS: dict[str, Promise] = {
    "DECEASED": _("Deceased"),
    "SHARED_NIK": _("NIK shared with another person"),
    "CIVIL_SERVANT": _("Civil servant"),
    "OWNS_CAR": _("Household owns a car"),
    "ABOVE_CUTOFF": _("Decile above the programme's cut-off"),
    "NEWLY_ELIGIBLE": _("Eligible now, not in the previous run"),
    "inclusion": _("likely inclusion error"),
    "exclusion": _("likely exclusion error"),
}


def audit_flag(code: str) -> str:
    return str(AUDIT_FLAG_LABELS.get(code, code))


# Payment statuses, ledger events and reconciliation verdicts (domain.disbursement).
PAYMENT_LABELS: dict[str, Promise] = {
    "entitled": _("entitled"),
    "issued": _("sent to the channel"),
    "reissued": _("sent again"),
    "paid": _("paid"),
    "failed": _("failed"),
    "returned": _("returned"),
    "applied": _("settled"),
    "unchanged": _("already settled the same way"),
    "rejected": _("unreadable"),
    "missing": _("missing from the result"),
    "extra": _("not in the batch"),
    "wrong_amount": _("another amount"),
    "wrong_account": _("another account"),
    "paid_to_suspended": _("paid to a suspended beneficiary"),
    "already_reported": _("settled otherwise before"),
}


def payment_label(code: str) -> str:
    return str(PAYMENT_LABELS.get(code, code)) if code else ""


# How a programme's latest cycle stands, as the public status page tells a citizen
# (programmes.selectors.Assistance.state): what to expect and whether to go to the office.
CITIZEN_ASSISTANCE_LABELS: dict[str, Promise] = {
    "on_hold": _("On hold: ask your regency's social office why"),
    "enrolled": _("Enrolled; no payment period has opened yet"),
    "scheduled": _("Due this period; not yet sent to the bank or post office"),
    "in_payment": _("Sent to the bank or post office; being paid out"),
    "paid": _("Paid"),
    "not_received": _("Not received; it will be sent again (ask your regency's social office)"),
}


def citizen_assistance_label(code: str) -> str:
    return str(CITIZEN_ASSISTANCE_LABELS.get(code, code))


# Citizens' participation (domain.participation): proposal kinds and stages, objection and
# complaint statuses, complaint categories and levels.
PARTICIPATION_LABELS: dict[str, Promise] = {
    "new_household": _("New household"),
    "moved": _("Moved house"),
    "died": _("A member died"),
    "birth": _("A birth"),
    "new_member": _("A new member"),
    "member_left": _("A member left"),
    "condition": _("A changed condition"),
    "submitted": _("Submitted"),
    "verified": _("Visited by the village"),
    "deliberated": _("Carried by the village deliberation"),
    "validated": _("Validated by the social office"),
    "approved": _("Approved by the regent"),
    "decided": _("Decided by the ministry: in the registry"),
    "rejected": _("Rejected"),
    "withdrawn": _("Withdrawn"),
    "objection": _("Objection"),
    "correction": _("Correction of my data"),
    "decision_review": _("Review of an automated decision"),
    "received": _("Received: an office checks who filed it"),
    "upheld": _("Upheld: the automated decision stands"),
    "overturned": _(
        "Granted: the decision is changed from the next calculation of who receives aid"
    ),
    "requested": _("Awaiting review"),
    "accepted": _("Accepted: the data is corrected"),
    "filed": _("Awaiting verification"),
    "confirmed": _("Confirmed: the household is under review"),
    "dismissed": _("Dismissed"),
    "lapsed": _("Lapsed: not verified in time"),
    "open": _("Being handled"),
    "resolved": _("Resolved"),
    "aid_not_received": _("Aid not received"),
    "wrong_amount": _("Wrong amount"),
    "data_error": _("Data error"),
    "staff_misconduct": _("Staff misconduct"),
    "service_quality": _("Service quality"),
    "other": _("Other"),
    "regency": _("Regency/city social office"),
    "province": _("Provincial social office"),
    "ministry": _("Ministry"),
}


def participation_label(code: str) -> str:
    return str(PARTICIPATION_LABELS.get(code, code))
