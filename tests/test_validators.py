"""What a search box holds, read as part of a Study Instance UID or a study id
(studies/validators.py: `id_fragment`), and which studies such a part finds."""

from types import SimpleNamespace

import pytest

from studies.validators import id_fragment

UID = "1.2.826.0.1.3680043.10.543.1.15.43576764"
SID = "stu_3f9c2e1b7a6d4c5e8f90a1b2c3d4e5f6"


def study(uid: str = UID, sid: str = SID):
    return SimpleNamespace(study_instance_uid=uid, study_id=sid)


@pytest.mark.parametrize(
    "typed",
    [
        "1.2.826.\u202643576764",  # the row's short form, copied
        "1.2.826....43576764",  # typed with dots
        "1.2.826. 43576764",  # or a space
        "1.2.826.43576764",  # or without the ellipsis
        "\u202643576764",  # the end the row shows
        "43576764",  # its digits
        "576",  # a few of them
        "1.2.826.0.1.3680043",  # the start
        " 3680043.10.543 ",  # the middle, with spaces around
        "stu_3f9c2e1b",  # the start of the id
        "STU_3F9C",  # as someone types it
        "7a6d4c5e8f90",  # part of the id, hex
    ],
)
def test_the_parts_people_read_off_a_row_find_it(typed):
    fragment = id_fragment(typed)

    assert fragment is not None, typed
    assert fragment.matches(study())
    assert fragment.text == typed.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "1.2.826.\u202643576765",  # another end
        "1.2.827.\u202643576764",  # another start
        "1.2.826.43576765",
        "99999",
        "stu_ffff",
        "0a0a0a0a0a",
    ],
)
def test_other_parts_do_not(typed):
    fragment = id_fragment(typed)

    assert fragment is not None, typed
    assert not fragment.matches(study())


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "Chest CT",  # a description
        "chest",
        "12",  # too short to mean one study
        "deadbeefcafe",  # hex letters only: a word as much as an id
        "cafe",
        "CT 2024 follow-up",
        "stu_",
        "stu_xyz",
        "1" * 201,
    ],
)
def test_ordinary_searches_are_not_ids(typed):
    assert id_fragment(typed) is None


def test_the_short_form_needs_both_ends_and_room_for_them():
    fragment = id_fragment("12\u202623")

    assert not fragment.matches(study(uid="123"))  # both ends, but sharing a digit
    assert fragment.matches(study(uid="1223"))


def test_digits_alone_are_also_looked_for_in_study_ids():
    fragment = id_fragment("7164")

    assert fragment.matches(study(uid="1.2.3", sid="stu_" + "0" * 28 + "7164"))
    assert not id_fragment("1.2.3").matches(study(uid="9.9.9", sid="stu_" + "1" * 32))
