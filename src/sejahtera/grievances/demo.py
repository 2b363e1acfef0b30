"""The demo's participation: in the busiest village, proposals at every step (new families put
forward on the public page and by the village operator, a death and a birth in registered
families), a village deliberation with its minutes, objections filed, confirmed, dismissed
and lapsed, and complaints handled, resolved, escalated and about staff — each moved by the
demo user whose step it is, so that `make run` shows every list filled. Synthetic names and
NIKs only."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from faker import Faker

from sejahtera.accounts.models import User
from sejahtera.domain.identifiers import encode_nik
from sejahtera.domain.participation import ComplaintCategory, ProposalKind, ProposalStage
from sejahtera.grievances import complaints, objections, proposals
from sejahtera.grievances.models import Proposal
from sejahtera.grievances.proposals import ProposedChange
from sejahtera.programmes.models import Enrolment
from sejahtera.registry.models import Household, Region
from sejahtera.registry.services.demo import busiest_village_code
from sejahtera.targeting import reviews
from sejahtera.targeting.models import Decision
from sejahtera.targeting.selectors import latest_run

# new families put forward, by the stage the demo takes each to
NEW_FAMILY_STAGES = [
    ProposalStage.SUBMITTED,
    ProposalStage.SUBMITTED,
    ProposalStage.VERIFIED,
    ProposalStage.VERIFIED,
    ProposalStage.DELIBERATED,
    ProposalStage.VALIDATED,
    ProposalStage.APPROVED,
    ProposalStage.DECIDED,
    ProposalStage.REJECTED,
]
MINUTES = b"%PDF-1.4\n% synthetic minutes of a demo village deliberation\n"


def ensure_demo_participation(*, echo: Callable[[str], None], today: date | None = None) -> None:
    """Reused when any proposal exists."""
    village_code = busiest_village_code()
    if village_code is None or Proposal.objects.exists():
        return
    today = today or date.today()
    village = Region.objects.get(code=village_code)
    staff = {
        role: User.objects.get(username=f"demo_{role}")
        for role in ("village_operator", "district_office", "regent", "ministry_analyst")
    }
    fake, rng = Faker("id_ID"), random.Random(2028)
    fake.seed_instance(2028)
    made = [
        _new_family(fake, rng, village, today - timedelta(days=40 - i), staff)
        for i, _ in enumerate(NEW_FAMILY_STAGES)
    ]
    _carry(made, staff, village, today)
    _changes(rng, village, today, staff)
    echo(f"{Proposal.objects.count()} proposals at every step in {village.name}")
    _objections(village, today, staff)
    _complaints(fake, village, today, staff)
    _decision_reviews(village, staff)


def _nik(rng: random.Random, village: Region, born: date, sex: str) -> str:
    return encode_nik(village.code[:6], born, sex, rng.randrange(1, 9999))


def _new_family(
    fake: Faker, rng: random.Random, village: Region, on: date, staff: dict[str, User]
) -> Proposal:
    head_born = date(rng.randrange(1960, 1995), rng.randrange(1, 13), rng.randrange(1, 29))
    head_sex = rng.choice("LP")
    head = fake.name_male() if head_sex == "L" else fake.name_female()
    child_born = date(rng.randrange(2010, 2024), rng.randrange(1, 13), rng.randrange(1, 29))
    members = [
        {
            "full_name": head,
            "nik": _nik(rng, village, head_born, head_sex),
            "sex": head_sex,
            "birth_date": head_born.isoformat(),
            "relationship": "head",
        },
        {
            "full_name": fake.first_name_female(),
            "sex": "P",
            "birth_date": child_born.isoformat(),
            "relationship": "child",
        },
    ]
    by_operator = rng.random() < 0.4
    return proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.NEW_HOUSEHOLD,
            village=village,
            household_cells={"address": fake.street_address(), "rt": "003", "rw": "005"},
            member_cells=members,
        ),
        proposer_name=staff["village_operator"].get_full_name() if by_operator else head,
        proposer_nik="" if by_operator else members[0]["nik"],
        description="Kepala keluarga tidak bekerja tetap; rumah tidak layak huni.",
        submitted_on=on,
        submitted_by=staff["village_operator"] if by_operator else None,
    )


def _carry(made: list[Proposal], staff: dict[str, User], village: Region, today: date) -> None:
    """Each proposal to the stage the demo wants it at, by the owner of each step."""
    wanted = dict(zip((p.pk for p in made), NEW_FAMILY_STAGES, strict=True))
    order = [ProposalStage.VERIFIED, ProposalStage.DELIBERATED, ProposalStage.VALIDATED]
    order += [ProposalStage.APPROVED, ProposalStage.DECIDED]

    def beyond(stage: ProposalStage) -> list[Proposal]:
        return [p for p in made if wanted[p.pk] in order[order.index(stage) :]]

    for proposal in beyond(ProposalStage.VERIFIED):
        proposals.verify(
            staff["village_operator"], proposal, visited_on=today - timedelta(days=20), today=today
        )
    rejected = [p for p in made if wanted[p.pk] is ProposalStage.REJECTED]
    proposals.verify(staff["village_operator"], rejected[0], visited_on=today, today=today)
    carried = {p.pk: True for p in beyond(ProposalStage.DELIBERATED)} | {rejected[0].pk: False}
    proposals.record_deliberation(
        staff["village_operator"],
        village=village,
        held_on=today - timedelta(days=14),
        participants="Kepala desa, BPD, ketua RT/RW, tokoh agama, pendamping PKH",
        minutes=SimpleUploadedFile("berita-acara-musdes.pdf", MINUTES),
        carried=carried,
        today=today,
    )
    for stage, owner in (
        (ProposalStage.VALIDATED, "district_office"),
        (ProposalStage.APPROVED, "regent"),
        (ProposalStage.DECIDED, "ministry_analyst"),
    ):
        proposals.move_many(staff[owner], beyond(stage), stage, today=today)


def _changes(rng: random.Random, village: Region, today: date, staff: dict[str, User]) -> None:
    """A death recorded by the village operator (visited) and a birth from the public page."""
    households = list(Household.objects.filter(village=village).order_by("pk")[:2])
    if len(households) < 2:
        return
    died = households[0].members.order_by("-birth_date").last()
    death = proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.DIED,
            village=village,
            household=households[0],
            person=died,
            member_cells=[{"deceased_date": (today - timedelta(days=9)).isoformat()}],
        ),
        proposer_name=staff["village_operator"].get_full_name(),
        description="Meninggal dunia, surat keterangan kematian dari desa.",
        submitted_on=today - timedelta(days=7),
        submitted_by=staff["village_operator"],
    )
    proposals.verify(staff["village_operator"], death, visited_on=today, today=today)
    born = today - timedelta(days=30)
    proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.BIRTH,
            village=village,
            household=households[1],
            member_cells=[
                {
                    "full_name": "Bayi Demo",
                    "nik": _nik(rng, village, born, "L"),
                    "sex": "L",
                    "birth_date": born.isoformat(),
                    "relationship": "child",
                }
            ],
        ),
        proposer_name="Ibu Demo",
        description="Kelahiran anak ketiga.",
        submitted_on=today - timedelta(days=3),
    )


def _objections(village: Region, today: date, staff: dict[str, User]) -> None:
    """Four objections to enrolled families (or any, before delivery): one awaiting the
    office, one confirmed, one dismissed, one lapsed by the daily command."""
    enrolled = set(
        Enrolment.objects.filter(region_code=village.code).values_list("household_id", flat=True)
    )
    households = sorted(
        Household.objects.filter(village=village).order_by("pk")[:40],
        key=lambda household: household.pk not in enrolled,  # the enrolled first
    )
    # a small demo village may have fewer families than objections: some get two
    listed = [households[i % len(households)] for i in range(4)]
    filed = [
        objections.file_objection(
            household=household,
            objector_name=f"Warga RT 00{i + 1}",
            objector_village=village,
            reason=reason,
            filed_on=today - timedelta(days=days),
            filed_by=staff["village_operator"],
        )
        for i, (household, reason, days) in enumerate(
            zip(
                listed,
                [
                    "Baru membeli sepeda motor dan membuka warung.",
                    "Memiliki rumah permanen dua lantai dan mobil.",
                    "Anaknya sudah bekerja di pabrik.",
                    "Sudah pindah ke kota lain tahun lalu.",
                ],
                [2, 6, 8, 30],
                strict=False,
            )
        )
    ]
    office = staff["district_office"]
    for objection, confirmed, note in zip(
        filed[1:3],
        (True, False),
        ("Kunjungan: rumah dua lantai dan mobil pribadi, terbukti.", "Motor milik saudara."),
        strict=False,
    ):
        objections.verify_objection(
            actor=office, objection=objection, confirmed=confirmed, note=note, today=today
        )
    objections.lapse_overdue(today)


def _complaints(fake: Faker, village: Region, today: date, staff: dict[str, User]) -> None:
    """Complaints in each state: open, resolved, escalated a level, and one about staff."""
    made = [
        complaints.file_complaint(
            category=category,
            region=village,
            description=text,
            complainant_name=fake.name(),
            complainant_phone=fake.phone_number()[:20],
            received_on=today - timedelta(days=days),
            received_by=staff["village_operator"] if days % 2 else None,
        )
        for category, text, days in (
            (ComplaintCategory.AID_NOT_RECEIVED, "BPNT bulan lalu belum masuk ke KKS.", 3),
            (ComplaintCategory.WRONG_AMOUNT, "PKH tahap ini kurang dari biasanya.", 10),
            (ComplaintCategory.DATA_ERROR, "Nama di kartu salah ejaan.", 35),
            (ComplaintCategory.SERVICE_QUALITY, "Antrean penyaluran terlalu lama.", 20),
            (ComplaintCategory.STAFF_MISCONDUCT, "Petugas meminta uang administrasi.", 4),
        )
    ]
    complaints.resolve(
        staff["district_office"],
        made[1],
        outcome="Diperiksa: potongan karena satu komponen tidak memenuhi syarat kehadiran.",
        today=today,
    )
    complaints.escalate_overdue(today)


# (grounds, the reviewer's verdict: None while open, True to overturn, and its reasons)
DECISION_OBJECTIONS = [
    ("Suami baru meninggal; penghasilan keluarga hilang.", None, ""),
    ("Motor itu pinjaman saudara, bukan milik kami.", False, "Dikunjungi: motor milik sendiri."),
    ("Rumah rusak berat setelah banjir bulan lalu.", True, "Dikunjungi: rumah rusak berat."),
]


def _decision_reviews(village: Region, staff: dict[str, User]) -> None:
    """Households of the village the current run found not eligible for PKH or SEMBAKO object:
    one waits for the office, one upheld, one overturned (from the next run)."""
    run = latest_run()
    if run is None:
        return
    decisions = Decision.objects.filter(
        run=run,
        region_code=village.code,
        programme__in=["PKH", "SEMBAKO"],
        eligible=False,
        limited_by="",
    ).select_related("household")
    # a family PKH pays nothing (no child, no one elderly…) is not one to object for
    objectable = [
        d
        for d in decisions.order_by("-programme", "household_id")[:50]
        if not any(r.startswith(reviews.NO_COMPONENT) for r in d.reasons)
    ]
    for decision, (grounds, overturn, note) in zip(objectable, DECISION_OBJECTIONS, strict=False):
        head = decision.household.members.filter(relationship="head").first()
        review = reviews.request_review(
            actor=staff["village_operator"],
            decision=decision,
            requester_name=head.full_name if head else "Warga",
            requester_nik=(head.nik or "") if head else "",
            grounds=grounds,
        )
        if overturn is not None:
            reviews.decide_review(
                actor=staff["district_office"], review=review, overturn=overturn, note=note
            )
