"""Partner programmes: the catalogue file reads into programmes (or is refused, naming the
programme and the field), each programme's conditions say in words who it is for, and a family
fits a programme when it meets every condition."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.empowerment import Track
from sejahtera.domain.findings import Refused
from sejahtera.domain.partners import (
    DECILE,
    MEMBER,
    TRACK,
    Family,
    PartnerProgramme,
    conditions,
    fit,
    fits_first,
    read_catalogue,
)

OMIT = object()  # leaves a field out of a catalogue entry


def entry(**fields: object) -> dict[str, object]:
    """A valid catalogue entry with ``fields`` replaced (``OMIT`` drops one)."""
    base: dict[str, object] = {
        "code": "KUR_MIKRO",
        "agency": "Kementerian UMKM",
        "name": "Kredit Usaha Rakyat",
        "gives": "Kredit modal usaha",
        "contact": "kur.ekon.go.id",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not OMIT}


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def catalogue(*entries: dict[str, object]) -> str:
    """A catalogue file with one ``[[programme]]`` table per entry."""
    tables = [
        "[[programme]]\n" + "".join(f"{key} = {toml_value(v)}\n" for key, v in e.items())
        for e in entries
    ]
    return "\n".join(tables)


def programme(code: str = "P", **conditions: object) -> PartnerProgramme:
    return PartnerProgramme(
        code=code,
        agency="Agency",
        name=f"Programme {code}",
        gives="Something",
        contact="office",
        **conditions,  # type: ignore[arg-type]
    )


def family(
    decile: int | None = 1,
    members: tuple[tuple[int, str], ...] = ((30, "P"),),
    track: Track | None = Track.BUSINESS,
) -> Family:
    return Family(decile=decile, members=members, track=track)


def codes(findings):
    return [f.code for f in findings]


def refusal(text: str) -> str:
    with pytest.raises(Refused) as caught:
        read_catalogue(text)
    return str(caught.value)


# -- the shipped catalogue ---------------------------------------------------------------------


def shipped_text() -> str:
    path = resources.files("sejahtera") / "data" / "partners" / "programmes.toml"
    return path.read_text(encoding="utf-8")


def test_the_shipped_catalogue_reads_into_programmes_with_unique_codes():
    programmes = read_catalogue(shipped_text())
    assert programmes
    codes_ = [p.code for p in programmes]
    assert len(codes_) == len(set(codes_))
    assert all(isinstance(p, PartnerProgramme) for p in programmes)


def test_every_shipped_programme_says_who_runs_it_what_it_gives_and_whom_to_contact():
    for p in read_catalogue(shipped_text()):
        assert p.agency.strip(), p.code
        assert p.name.strip(), p.code
        assert p.gives.strip(), p.code
        assert p.contact.strip(), p.code


def test_every_shipped_programme_has_consistent_age_bounds_and_wordable_conditions():
    for p in read_catalogue(shipped_text()):
        if p.min_age is not None and p.max_age is not None:
            assert p.min_age <= p.max_age, p.code
        assert all(f.message for f in conditions(p)), p.code


def test_a_shipped_programme_reads_its_optional_fields():
    by_code = {p.code: p for p in read_catalogue(shipped_text())}
    mekaar = by_code["PNM_MEKAAR"]
    assert (mekaar.max_decile, mekaar.min_age, mekaar.max_age) == (4, 18, None)
    assert mekaar.sex == "P"
    assert mekaar.track is Track.BUSINESS
    assert by_code["JKN_PBI"].track is None


# -- reading a catalogue -----------------------------------------------------------------------


def test_a_valid_catalogue_reads_every_field_and_strips_the_texts():
    text = catalogue(
        entry(
            code="PIP",
            agency="  Kemendikdasmen ",
            max_decile=4,
            min_age=6,
            max_age=21,
            sex="L",
            track="employment",
        ),
        entry(code="JKN_PBI"),
    )
    first, second = read_catalogue(text)
    assert first == PartnerProgramme(
        code="PIP",
        agency="Kemendikdasmen",
        name="Kredit Usaha Rakyat",
        gives="Kredit modal usaha",
        contact="kur.ekon.go.id",
        max_decile=4,
        min_age=6,
        max_age=21,
        sex="L",
        track=Track.EMPLOYMENT,
    )
    assert first.track is Track.EMPLOYMENT
    assert second.code == "JKN_PBI"
    assert (second.max_decile, second.min_age, second.max_age, second.sex, second.track) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_the_catalogue_keeps_the_files_order():
    text = catalogue(entry(code="ZZ"), entry(code="AA"), entry(code="MM"))
    assert [p.code for p in read_catalogue(text)] == ["ZZ", "AA", "MM"]


def test_a_file_that_is_not_toml_is_refused():
    assert "not valid TOML" in refusal('[[programme]]\ncode = "KUR\n')


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        'title = "programmes"\n',
        '[[programmes]]\ncode = "KUR"\n',
        '[programme]\ncode = "KUR"\n',
        'programme = "KUR"\n',
        "programme = []\n",
    ],
)
def test_a_catalogue_without_programme_tables_is_refused(text):
    assert "no [[programme]]" in refusal(text)


def test_an_unknown_field_is_refused_naming_the_programme_and_the_field():
    text = catalogue(entry(code="FIRST"), entry(code="SECOND", colour="red"))
    message = refusal(text)
    assert "programme 2 (SECOND)" in message
    assert "colour" in message


@pytest.mark.parametrize(
    "code",
    ["kur_mikro", "Kur_Mikro", "K", "1KUR", "_KUR", "KUR-MIKRO", "KUR MIKRO", "", "A" * 41],
)
def test_a_bad_code_is_refused_naming_the_code_field(code):
    message = refusal(catalogue(entry(code="GOOD"), entry(code=code)))
    assert f"programme 2 ({code}), code:" in message


@pytest.mark.parametrize("code", ["KU", "K1", "A_", "A" * 40, "KUR_MIKRO_2"])
def test_a_code_of_capitals_digits_and_underscores_is_accepted(code):
    (read,) = read_catalogue(catalogue(entry(code=code)))
    assert read.code == code


def test_a_programme_without_a_code_is_refused():
    message = refusal(catalogue(entry(code=OMIT)))
    assert "programme 1 (?), code:" in message


@pytest.mark.parametrize("code", [12, True, ["KUR"]])
def test_a_code_that_is_not_a_text_is_refused(code):
    message = refusal(catalogue(entry(code=code)))
    assert message.startswith("programme 1 (")
    assert ", code:" in message


@pytest.mark.parametrize("field", ["agency", "name", "gives", "contact"])
@pytest.mark.parametrize("value", [OMIT, "", "   ", 5])
def test_a_missing_or_blank_text_field_is_refused_naming_it(field, value):
    message = refusal(catalogue(entry(code="FIRST"), entry(code="SECOND", **{field: value})))
    assert f"programme 2 (SECOND), {field}:" in message


@pytest.mark.parametrize("decile", [0, 11, -1, 2.5, "3", [3]])
def test_a_decile_outside_1_to_10_or_not_a_whole_number_is_refused(decile):
    message = refusal(catalogue(entry(code="JKN_PBI", max_decile=decile)))
    assert "programme 1 (JKN_PBI), max_decile:" in message


@pytest.mark.parametrize("decile", [1, 10])
def test_the_decile_limits_1_and_10_are_accepted(decile):
    (read,) = read_catalogue(catalogue(entry(max_decile=decile)))
    assert read.max_decile == decile


@pytest.mark.parametrize("field", ["min_age", "max_age"])
@pytest.mark.parametrize("age", [121, -1, 18.0, "18"])
def test_an_age_outside_0_to_120_or_not_a_whole_number_is_refused(field, age):
    message = refusal(catalogue(entry(code="PIP", **{field: age})))
    assert f"programme 1 (PIP), {field}:" in message


@pytest.mark.parametrize("age", [0, 120])
def test_the_age_limits_0_and_120_are_accepted(age):
    (read,) = read_catalogue(catalogue(entry(min_age=age, max_age=age)))
    assert (read.min_age, read.max_age) == (age, age)


@pytest.mark.parametrize("field", ["max_decile", "min_age", "max_age"])
def test_a_boolean_is_not_a_whole_number(field):
    message = refusal(catalogue(entry(code="PIP", **{field: True})))
    assert f"programme 1 (PIP), {field}:" in message


def test_a_minimum_age_above_the_maximum_age_is_refused():
    message = refusal(catalogue(entry(code="PIP", min_age=30, max_age=20)))
    assert "programme 1 (PIP)" in message


@pytest.mark.parametrize("sex", ["M", "F", "l", "p", "", "LP", 1])
def test_a_sex_other_than_l_or_p_is_refused(sex):
    message = refusal(catalogue(entry(code="MEKAAR", sex=sex)))
    assert "programme 1 (MEKAAR), sex:" in message


@pytest.mark.parametrize("track", ["usaha", "BUSINESS", "rehabilitation", "", " business", 1])
def test_an_unknown_track_is_refused(track):
    message = refusal(catalogue(entry(code="KUR", track=track)))
    assert "programme 1 (KUR), track:" in message


def test_two_programmes_with_the_same_code_are_refused_naming_the_code():
    text = catalogue(entry(code="UMI"), entry(code="PIP"), entry(code="UMI"))
    message = refusal(text)
    assert "unique" in message
    assert "UMI" in message
    assert "PIP" not in message


def test_every_repeated_code_is_named_once_in_order():
    text = catalogue(*(entry(code=c) for c in ["ZZ", "AA", "ZZ", "AA", "ZZ", "MM"]))
    assert refusal(text).endswith("programme codes must be unique: AA, ZZ")


def test_the_first_wrong_programme_refuses_the_whole_file():
    text = catalogue(entry(code="GOOD"), entry(code="BAD", sex="X"), entry(code="WORSE", sex="Y"))
    message = refusal(text)
    assert "programme 2 (BAD)" in message
    assert "WORSE" not in message


def test_a_refusal_keeps_its_template_and_parameters_for_translation():
    with pytest.raises(Refused) as caught:
        read_catalogue(catalogue(entry(code="PIP", min_age=200)))
    assert caught.value.template == "programme {number} ({code}), {field}: {why}"
    assert caught.value.params["number"] == 1
    assert caught.value.params["code"] == "PIP"
    assert caught.value.params["field"] == "min_age"


@pytest.mark.parametrize("text", ["programme = [1]\n", 'programme = ["KUR"]\n'])
def test_a_programme_entry_that_is_not_a_table_is_refused(text):
    assert "programme 1" in refusal(text)


# -- conditions --------------------------------------------------------------------------------


def test_a_programme_without_conditions_has_none():
    assert conditions(programme()) == []


def test_conditions_come_as_decile_member_track():
    found = conditions(programme(max_decile=4, min_age=18, sex="P", track=Track.BUSINESS))
    assert codes(found) == [DECILE, MEMBER, TRACK]
    assert [f.message for f in found] == [
        "deciles 1–4",
        "a woman aged 18 or over",
        "the business track of empowerment",
    ]
    assert all(f.is_error for f in found)


def test_the_track_condition_names_the_track():
    (found,) = conditions(programme(track=Track.EMPLOYMENT))
    assert found.code == TRACK
    assert found.message == "the employment track of empowerment"


@pytest.mark.parametrize(
    ("sex", "min_age", "max_age", "message"),
    [
        (None, 6, 21, "a member aged 6–21"),
        (None, 18, None, "a member aged 18 or over"),
        (None, None, 12, "a member aged up to 12"),
        ("P", 6, 21, "a woman aged 6–21"),
        ("P", 18, None, "a woman aged 18 or over"),
        ("P", None, 12, "a woman aged up to 12"),
        ("P", None, None, "a woman"),
        ("L", 6, 21, "a man aged 6–21"),
        ("L", 18, None, "a man aged 18 or over"),
        ("L", None, 12, "a man aged up to 12"),
        ("L", None, None, "a man"),
        (None, 0, None, "a member aged 0 or over"),
        (None, None, 0, "a member aged up to 0"),
    ],
)
def test_the_member_condition_is_worded_by_sex_and_age_bounds(sex, min_age, max_age, message):
    found = conditions(programme(sex=sex, min_age=min_age, max_age=max_age))
    assert codes(found) == [MEMBER]
    assert found[0].message == message


def test_a_decile_condition_alone():
    (found,) = conditions(programme(max_decile=10))
    assert found.code == DECILE
    assert found.message == "deciles 1–10"


def test_a_fit_carries_the_programmes_conditions():
    p = programme(max_decile=4, max_age=12)
    assert fit(p, family()).conditions == tuple(conditions(p))
    assert fit(p, family()).programme is p


# -- fit: decile -------------------------------------------------------------------------------


@pytest.mark.parametrize(("decile", "fits"), [(1, True), (4, True), (5, False), (10, False)])
def test_the_family_fits_the_decile_condition_at_or_under_the_limit(decile, fits):
    result = fit(programme(max_decile=4), family(decile=decile))
    assert result.fits is fits
    assert result.unmet == (() if fits else (DECILE,))


def test_a_family_without_a_decile_does_not_meet_a_decile_condition():
    assert fit(programme(max_decile=10), family(decile=None)).unmet == (DECILE,)


def test_a_family_without_a_decile_fits_a_programme_without_a_decile_condition():
    assert fit(programme(), family(decile=None)).fits


# -- fit: member -------------------------------------------------------------------------------


def test_one_member_must_meet_the_age_and_the_sex_together():
    woman_18_plus = programme(min_age=18, sex="P")
    man_and_girl = family(members=((30, "L"), (10, "P")))
    assert fit(woman_18_plus, man_and_girl).unmet == (MEMBER,)
    assert fit(woman_18_plus, family(members=((30, "L"), (10, "P"), (18, "P")))).fits


@pytest.mark.parametrize(
    ("age", "fits"), [(5, False), (6, True), (12, True), (21, True), (22, False)]
)
def test_the_age_bounds_are_inclusive(age, fits):
    assert fit(programme(min_age=6, max_age=21), family(members=((age, "L"),))).fits is fits


def test_the_age_condition_needs_one_member_within_both_bounds():
    # one too young and one too old: each meets one bound, neither meets both
    result = fit(programme(min_age=6, max_age=21), family(members=((3, "P"), (40, "P"))))
    assert result.unmet == (MEMBER,)


@pytest.mark.parametrize(("sex", "fits"), [("P", True), ("L", False)])
def test_a_sex_only_condition_reads_the_members_sex(sex, fits):
    assert fit(programme(sex="P"), family(members=((70, sex),))).fits is fits


def test_a_family_without_living_members_does_not_meet_a_member_condition():
    assert fit(programme(min_age=0), family(members=())).unmet == (MEMBER,)
    assert fit(programme(sex="L"), family(members=())).unmet == (MEMBER,)


def test_a_family_without_living_members_fits_a_programme_without_a_member_condition():
    assert fit(programme(max_decile=3, track=Track.BUSINESS), family(members=())).fits


# -- fit: track --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("track", "fits"), [(Track.BUSINESS, True), (Track.EMPLOYMENT, False), (None, False)]
)
def test_the_track_condition_needs_the_familys_track(track, fits):
    result = fit(programme(track=Track.BUSINESS), family(track=track))
    assert result.fits is fits
    assert result.unmet == (() if fits else (TRACK,))


@pytest.mark.parametrize("track", [Track.BUSINESS, Track.EMPLOYMENT, None])
def test_a_programme_without_a_track_condition_fits_any_track(track):
    assert fit(programme(), family(track=track)).fits


# -- fit: together -----------------------------------------------------------------------------


def test_unmet_holds_every_unmet_code_in_order():
    p = programme(max_decile=2, min_age=18, sex="P", track=Track.EMPLOYMENT)
    result = fit(p, family(decile=9, members=((40, "L"),), track=Track.BUSINESS))
    assert result.unmet == (DECILE, MEMBER, TRACK)
    assert not result.fits


def test_a_family_meeting_every_condition_fits():
    p = programme(max_decile=4, min_age=18, sex="P", track=Track.BUSINESS)
    result = fit(p, family(decile=3, members=((40, "L"), (35, "P")), track=Track.BUSINESS))
    assert result.unmet == ()
    assert result.fits is True


def test_a_family_missing_one_condition_does_not_fit():
    p = programme(max_decile=4, min_age=18, sex="P", track=Track.BUSINESS)
    result = fit(p, family(decile=3, members=((35, "P"),), track=Track.EMPLOYMENT))
    assert result.unmet == (TRACK,)
    assert result.fits is False


def test_the_shipped_catalogue_against_a_poor_business_family_with_a_mother_and_a_pupil():
    poor = family(decile=2, members=((34, "P"), (36, "L"), (9, "L")), track=Track.BUSINESS)
    fitting = {f.programme.code for f in fits_first(read_catalogue(shipped_text()), poor) if f.fits}
    assert fitting == {"KUR_MIKRO", "PNM_MEKAAR", "UMI", "JKN_PBI", "PIP"}


# -- fits first --------------------------------------------------------------------------------


def test_the_programmes_the_family_fits_come_first_each_group_in_catalogue_order():
    catalogue_ = [
        programme("A", max_decile=2),  # does not fit
        programme("B"),  # fits
        programme("C", track=Track.EMPLOYMENT),  # does not fit
        programme("D", max_decile=5),  # fits
        programme("E", sex="L"),  # does not fit
        programme("F", min_age=18),  # fits
    ]
    ordered = fits_first(catalogue_, family(decile=4, members=((30, "P"),)))
    assert [f.programme.code for f in ordered] == ["B", "D", "F", "A", "C", "E"]
    assert [f.fits for f in ordered] == [True] * 3 + [False] * 3


def test_fits_first_keeps_the_order_when_all_or_none_fit():
    catalogue_ = [programme(c, max_decile=5) for c in "ZYX"]
    assert [f.programme.code for f in fits_first(catalogue_, family(decile=1))] == list("ZYX")
    assert [f.programme.code for f in fits_first(catalogue_, family(decile=9))] == list("ZYX")


def test_fits_first_of_an_empty_catalogue_is_empty():
    assert fits_first([], family()) == []


def test_fits_first_reads_any_iterable_once():
    ordered = fits_first(iter([programme("A", max_decile=1), programme("B")]), family(decile=2))
    assert [f.programme.code for f in ordered] == ["B", "A"]


# -- property ----------------------------------------------------------------------------------

AGES = st.integers(min_value=0, max_value=120)
SEX = st.sampled_from(["L", "P"])
TRACKS = st.sampled_from([Track.BUSINESS, Track.EMPLOYMENT])


@st.composite
def programmes(draw) -> PartnerProgramme:
    low, high = draw(st.none() | AGES), draw(st.none() | AGES)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return programme(
        max_decile=draw(st.none() | st.integers(min_value=1, max_value=10)),
        min_age=low,
        max_age=high,
        sex=draw(st.none() | SEX),
        track=draw(st.none() | TRACKS),
    )


FAMILIES = st.builds(
    Family,
    decile=st.none() | st.integers(min_value=1, max_value=10),
    members=st.lists(st.tuples(AGES, SEX), max_size=6).map(tuple),
    track=st.none() | TRACKS,
)


@given(programmes(), FAMILIES)
def test_a_family_fits_exactly_when_it_meets_every_condition(p, f):
    decile_met = p.max_decile is None or (f.decile is not None and f.decile <= p.max_decile)
    has_member_condition = p.min_age is not None or p.max_age is not None or p.sex is not None
    member_met = not has_member_condition or any(
        (p.min_age is None or p.min_age <= age)
        and (p.max_age is None or age <= p.max_age)
        and (p.sex is None or sex == p.sex)
        for age, sex in f.members
    )
    track_met = p.track is None or f.track == p.track

    result = fit(p, f)
    assert result.fits == (decile_met and member_met and track_met)
    expected = [
        code
        for code, met in [(DECILE, decile_met), (MEMBER, member_met), (TRACK, track_met)]
        if not met
    ]
    assert list(result.unmet) == expected
    assert codes(result.conditions) == [
        code
        for code, present in [
            (DECILE, p.max_decile is not None),
            (MEMBER, has_member_condition),
            (TRACK, p.track is not None),
        ]
        if present
    ]
