"""Every default cluster rule, in and out, with its reasons."""

import pytest
from targeting_builders import born_aged, household, person

from sejahtera.targeting_engine import InputError

H = [household("H1")]


def one(run, decile=3, **columns):
    birth = columns.pop("birth", born_aged(30))
    return run(H, [person("P1", "H1", birth, **columns)], deciles={"H1": decile})


def test_anak_rentan_needs_age_below_18_and_a_vulnerability(run):
    child = one(run, birth=born_aged(17), orphan="true")
    assert "ANAK_RENTAN" in child.clusters("P1")
    assert "ANAK_RENTAN: age 17 < 18; orphan" in child.person("P1")["cluster_reasons"]
    assert "ANAK_RENTAN" not in one(run, birth=born_aged(18), orphan="true").clusters("P1")
    assert "ANAK_RENTAN" not in one(run, birth=born_aged(10)).clusters("P1")


def test_anak_rentan_counts_a_disability(run):
    assert "ANAK_RENTAN" in one(run, birth=born_aged(5), disability="sensory").clusters("P1")


def test_disabilitas_is_any_disability_but_none_or_empty(run):
    assert one(run, disability="mental").clusters("P1") == ["DISABILITAS"]
    assert one(run, disability="none").clusters("P1") == []
    assert one(run, disability="").clusters("P1") == []


def test_lansia_telantar_when_neglected_from_60(run):
    assert "LANSIA_TELANTAR" in one(run, birth=born_aged(60), neglected="true").clusters("P1")
    assert "LANSIA_TELANTAR" not in one(run, birth=born_aged(59), neglected="TRUE").clusters("P1")


def test_lansia_telantar_when_living_alone_poor_and_low_income(run):
    alone = one(run, birth=born_aged(72), monthly_income_idr="300000")
    assert "LANSIA_TELANTAR" in alone.clusters("P1")
    reasons = dict(r.split(": ", 1) for r in alone.person("P1")["cluster_reasons"])
    assert reasons["LANSIA_TELANTAR"] == (
        "age 72 ≥ 60; lives alone; income 300000 < 500000; decile 3 ≤ 4"
    )
    # income 0 passes "< 500,000"; empty income fails it; decile 5 fails it
    assert "LANSIA_TELANTAR" in one(run, birth=born_aged(72), monthly_income_idr="0").clusters("P1")
    assert "LANSIA_TELANTAR" not in one(run, birth=born_aged(72)).clusters("P1")
    assert "LANSIA_TELANTAR" not in one(
        run, decile=5, birth=born_aged(72), monthly_income_idr="0"
    ).clusters("P1")
    assert "LANSIA_TELANTAR" not in one(
        run, birth=born_aged(72), monthly_income_idr="500000"
    ).clusters("P1")


def test_lansia_telantar_alone_counts_living_members_only(run):
    persons = [
        person("P1", "H1", born_aged(75), monthly_income_idr="100000"),
        person("P2", "H1", born_aged(74), deceased_date="2025-01-01"),
    ]
    out = run(H, persons, deciles={"H1": 2})
    assert "LANSIA_TELANTAR" in out.clusters("P1")
    assert out.clusters("P2") == []


def test_berpendapatan_rendah(run):
    worker = one(run, birth=born_aged(18), monthly_income_idr="800000", employment="laborer")
    assert worker.clusters("P1") == ["BERPENDAPATAN_RENDAH"]
    assert worker.person("P1")["cluster_reasons"] == [
        "BERPENDAPATAN_RENDAH: age 18 ≥ 18; income 0 < 800000 < 1500000; employment laborer"
    ]
    assert one(run, monthly_income_idr="0", employment="laborer").clusters("P1") == []
    assert one(run, monthly_income_idr="1500000", employment="farmer").clusters("P1") == []
    assert one(run, monthly_income_idr="", employment="farmer").clusters("P1") == []
    assert one(run, monthly_income_idr="800000", employment="entrepreneur").clusters("P1") == []
    assert one(run, birth=born_aged(17), street_situation="ya").clusters("P1") == ["ANAK_RENTAN"]
    assert one(run, street_situation="1").clusters("P1") == ["BERPENDAPATAN_RENDAH"]


def test_flag_clusters(run):
    cases = {
        "KORBAN_BENCANA": {"disaster_victim": "true"},
        "AFIRMASI_KHUSUS": {"remote_indigenous": "true"},
        "WARGA_BINAAN": {"inmate_status": "former_inmate"},
        "KORBAN_KEKERASAN": {"trafficking_victim": "true"},
        "NAPZA_HIV": {"hiv": "true"},
        "BERMASALAH_SOSIAL": {"social_problem": "true"},
    }
    for cluster, columns in cases.items():
        assert one(run, **columns).clusters("P1") == [cluster], cluster
    assert one(run, inmate_status="inmate").clusters("P1") == ["WARGA_BINAAN"]
    assert one(run, inmate_status="none").clusters("P1") == []
    assert one(run, drug_user="true").clusters("P1") == ["NAPZA_HIV"]
    assert one(run, violence_victim="true").clusters("P1") == ["KORBAN_KEKERASAN"]


def test_empty_or_false_booleans_count_as_false(run):
    assert one(run, hiv="", drug_user="false", neglected="tidak").clusters("P1") == []


def test_perempuan_rentan_head_without_living_spouse(run):
    head = {"sex": "P", "relationship": "head"}
    alone = run(H, [person("P1", "H1", born_aged(40), **head)], deciles={"H1": 4})
    assert alone.clusters("P1") == ["PEREMPUAN_RENTAN"]
    with_spouse = run(
        H,
        [
            person("P1", "H1", born_aged(40), **head),
            person("P2", "H1", born_aged(41), relationship="spouse"),
        ],
        deciles={"H1": 4},
    )
    assert with_spouse.clusters("P1") == []
    widowed = run(
        H,
        [
            person("P1", "H1", born_aged(40), **head),
            person("P2", "H1", born_aged(41), relationship="spouse", deceased_date="2026-01-01"),
        ],
        deciles={"H1": 4},
    )
    assert widowed.clusters("P1") == ["PEREMPUAN_RENTAN"]
    assert (
        run(H, [person("P1", "H1", born_aged(40), **head)], deciles={"H1": 5}).clusters("P1") == []
    )
    man = run(H, [person("P1", "H1", born_aged(40), relationship="head")], deciles={"H1": 1})
    assert man.clusters("P1") == ["FAKIR_MISKIN"]


def test_fakir_miskin_is_decile_1(run):
    assert one(run, decile=1).clusters("P1") == ["FAKIR_MISKIN"]
    assert one(run, decile=1).person("P1")["cluster_reasons"] == ["FAKIR_MISKIN: decile 1 ≤ 1"]
    assert one(run, decile=2).clusters("P1") == []


def test_several_clusters_at_once(run):
    out = one(run, decile=1, birth=born_aged(12), disability="physical", hiv="true")
    assert out.clusters("P1") == ["ANAK_RENTAN", "DISABILITAS", "NAPZA_HIV", "FAKIR_MISKIN"]
    assert out.person("P1")["cluster_reasons"][0] == "ANAK_RENTAN: age 12 < 18; disability physical"


def test_deceased_and_unborn_are_in_no_cluster(run):
    persons = [
        person("P1", "H1", born_aged(70), neglected="true", deceased_date="2026-07-01"),
        person("P2", "H1", "2026-07-02", orphan="true"),
        person("P3", "H1", born_aged(70), neglected="true", deceased_date="2026-07-02"),
    ]
    out = run(H, persons, deciles={"H1": 1})
    assert out.person("P1")["status"] == "deceased"
    assert out.clusters("P1") == []
    assert out.person("P2")["status"] == "not_yet_born"
    assert out.clusters("P2") == []
    assert out.clusters("P3") == ["LANSIA_TELANTAR", "FAKIR_MISKIN"]


def test_a_disabled_cluster_has_no_members(run):
    from targeting_builders import rules_with

    def disable(data):
        data["clusters"]["DISABILITAS"]["enabled"] = False

    persons = [person("P1", "H1", born_aged(30), disability="mental")]
    assert run(H, persons, deciles={"H1": 3}, rules=rules_with(disable)).clusters("P1") == []


def test_a_manual_membership_counts_beside_the_rules_with_its_reason(run):
    persons = [
        person("P1", "H1", born_aged(30)),
        person("P2", "H1", born_aged(30), disability="mental"),
    ]
    manual = [
        ("P1", "KORBAN_BENCANA", "rumah hanyut banjir Januari"),
        ("P2", " DISABILITAS ", "asesmen pekerja sosial"),
    ]
    outcome = run(H, persons, deciles={"H1": 6}, manual_clusters=manual)
    assert outcome.clusters("P1") == ["KORBAN_BENCANA"]
    assert outcome.person("P1")["cluster_reasons"] == [
        "KORBAN_BENCANA: manual: rumah hanyut banjir Januari"
    ]
    # Found by the rule and by hand: one cluster, both reasons.
    assert outcome.clusters("P2") == ["DISABILITAS"]
    assert outcome.person("P2")["cluster_reasons"] == [
        "DISABILITAS: disability mental; manual: asesmen pekerja sosial"
    ]
    assert run(H, persons, deciles={"H1": 6}, manual_clusters=[]).clusters("P1") == []


def test_a_manual_membership_in_no_known_cluster_is_refused(run):
    with pytest.raises(InputError, match="P1: 'MISKIN'"):
        run(H, [person("P1", "H1", born_aged(30))], manual_clusters=[("P1", "MISKIN", "x")])
