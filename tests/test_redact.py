"""`bot.redact`: secrets taken out by value, in every form an answer may quote them."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from bot.redact import REDACTED, header_secrets, scrub, scrub_bytes, secret_values

KEY = 'S3cret/Key"with\\odd+chars'
PAIR = "client-id-0001:client-secret-0002"
BASIC = base64.b64encode(PAIR.encode()).decode()


@pytest.mark.parametrize(
    "form",
    [
        KEY,
        json.dumps(KEY)[1:-1],
        json.dumps(KEY)[1:-1].replace("/", "\\/"),  # PHP's json_encode
        quote(KEY, safe=""),
    ],
    ids=["as is", "JSON", "PHP JSON", "URL-encoded"],
)
def test_every_form_of_a_value_is_scrubbed_from_an_answer(form: str) -> None:
    raw = b'{"message": "denied: ' + form.encode() + b'"}'
    cleaned = scrub_bytes(raw, secret_values([KEY]))
    assert form.encode() not in cleaned and REDACTED.encode() in cleaned


def test_header_secrets_are_the_values_the_credential_after_its_scheme_and_basics_pair() -> None:
    headers = {
        "Accept": "application/json",
        "User-Agent": "pulse-bot/1.0",
        "Authorization": f"Basic {BASIC}",
        "X-ApiKey": "app-key-0003",
    }
    assert header_secrets(headers) == [f"Basic {BASIC}", BASIC, PAIR, "app-key-0003"]
    assert header_secrets({"Authorization": "Bearer tok-0004"}) == ["Bearer tok-0004", "tok-0004"]


def test_the_bare_base64_of_a_basic_header_and_what_it_decodes_to_are_scrubbed() -> None:
    secrets = secret_values(header_secrets({"Authorization": f"Basic {BASIC}"}))
    said = f"you sent {BASIC}, that is {PAIR}"
    assert scrub(said, secrets) == f"you sent {REDACTED}, that is {REDACTED}"


def test_plain_header_values_are_not_scrubbed() -> None:
    secrets = secret_values(header_secrets({"Accept": "application/json"}))
    assert scrub_bytes(b'{"type": "application/json"}', secrets) == b'{"type": "application/json"}'


def test_values_too_short_to_be_credentials_are_left_alone() -> None:
    assert secret_values(["abc12", None, ""]) == ()
    assert scrub("abc12 stays", secret_values(["abc12"])) == "abc12 stays"
