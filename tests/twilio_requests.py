"""What Twilio posts to a messaging webhook for an inbound SMS: every parameter, as Twilio sends it.

Shared by the tests (signed with the test auth token) and the webhook benchmark, so both send the same thing.
"""

from __future__ import annotations


def inbound_sms(*, sid: str, sender: str, body: str, to: str, account_sid: str) -> dict[str, str]:
    return {
        "ToCountry": "GB",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": to,
        "MessagingServiceSid": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
