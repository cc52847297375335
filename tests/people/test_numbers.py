"""Phone numbers as the webhook reads them: a UK mobile in E.164 (what Twilio sends) is taken as it is, which is
exactly what the parser would make of it; anything else goes through the parser."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feedback.people import operations as people


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_a_uk_mobile_in_e164_is_what_the_parser_makes_of_it(digits: str) -> None:
    number = "+447" + digits
    assert people.sender_address(number) == people.normalise_phone(number) == number


@given(st.sampled_from(["07700 900123", "+44 7700 900123", "00447700900123", "+4407700900123", " +447700900123 "]))
def test_other_ways_of_writing_a_number_still_go_through_the_parser(raw: str) -> None:
    assert people.sender_address(raw) == people.normalise_phone(raw) == "+447700900123"


def test_a_sender_that_is_not_a_number_is_kept_as_given() -> None:
    assert people.sender_address("CouncilSMS") == "CouncilSMS"
    assert people.sender_address("+4477") == "+4477"
