"""KetchUp error codes: every documented code, the examples' conflicts, tolerant forms."""

from __future__ import annotations

import pytest

from smsbridge.errors import (
    AuthError,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge_ketchup import PROVIDER_ERRORS
from smsbridge_ketchup.errors import error_class

BASE = "https://ketchup.test/rest"


def _module_of(code: int) -> tuple[str, str, object]:
    """A request answered by the module the code belongs to: (module, url, call)."""
    if 20 <= code < 40:
        return "sms", f"{BASE}/sms/1", lambda c: c.status("1")
    if 40 <= code < 60:
        return "viber", f"{BASE}/viber/1", lambda c: c.status("viber:1")
    if 60 <= code < 80:
        return "hlr", f"{BASE}/hlr/1", lambda c: c.hlr_result("1")
    # General codes (0-12) too: the statistics module's examples reuse none of them.
    return "stat", f"{BASE}/stat/list", lambda c: c.driver.list_exports()


@pytest.mark.parametrize(("code", "error"), sorted(PROVIDER_ERRORS.items()))
def test_every_documented_code_maps_through_its_module(client, mocked, code, error):
    _module, url, call = _module_of(code)
    mocked.get(url, json={"error": str(code), "errorDescription": f"error {code}"})
    with pytest.raises(ProviderError) as caught:
        call(client)
    assert type(caught.value) is error
    assert caught.value.code == str(code)
    assert caught.value.description == f"error {code}"
    assert caught.value.provider == "ketchup"


@pytest.mark.parametrize(("code", "error"), [
    (1, AuthError), (3, AuthError), (8, InsufficientFunds), (11, RateLimited),
    (20, NotFound), (21, InvalidRecipient), (23, DuplicateMessage), (25, InvalidSender),
    (30, NotFound), (32, InvalidSender), (40, NotFound), (43, DuplicateMessage),
    (45, InvalidSender), (60, NotFound), (61, InvalidRecipient), (63, DuplicateMessage),
    (90, NotFound), (91, ProviderError), (92, ProviderError),
])
def test_concrete_classes(code, error):
    assert PROVIDER_ERRORS[code] is error


@pytest.mark.parametrize(("module", "code", "description", "error"), [
    # The examples of the document, where they disagree with the table.
    ("sms", 11, "Incorrect msisdn", InvalidRecipient),
    ("viber", 11, "Incorrect msisdn", InvalidRecipient),
    ("hlr", 11, "Incorrect msisdn", InvalidRecipient),
    ("hlr", 10, "HLR not found", NotFound),
    ("hlr", 13, "HLR already exists", DuplicateMessage),
    ("hlr", 14, "Incorrect payload: missing msisdn", ProviderError),
    ("stat", 60, "Message_id do not exist", NotFound),
    # The same codes meaning what the table says, as the description tells.
    ("sms", 11, "Too many messages in processing", RateLimited),
    ("sms", 10, "Invalid send time", ProviderError),
    ("hlr", 60, "HLR not found", NotFound),
    # Codes outside the document are read from the description.
    ("sms", 101, "Invalid API key", AuthError),
    ("sms", 777, "Something odd", ProviderError),
    ("sms", None, "Not enough money", InsufficientFunds),
    # The module's own range is authoritative whatever the text says.
    ("sms", 20, "whatever", NotFound),
    ("sms", 8, None, InsufficientFunds),
])
def test_module_and_code_then_description(module, code, description, error):
    assert error_class(module, code, description) is error


def test_wire_sample_invalid_api_key(client, mocked):
    mocked.get(f"{BASE}/sms/1", json={"error": "101", "errorDescription": "Invalid API key"})
    with pytest.raises(AuthError) as caught:
        client.status("1")
    assert caught.value.code == "101"


def test_stat_file_example_code_60(client, mocked, payload):
    mocked.get(f"{BASE}/stat/file/id/k1/format/json", body=payload("stat-file-error-60.json"))
    with pytest.raises(NotFound):
        client.driver.export_rows("k1")


def test_invalid_key_example(client, mocked, payload):
    mocked.get(f"{BASE}/sms/1", body=payload("error-1-invalid-key.json"), status=401)
    with pytest.raises(AuthError) as caught:
        client.status("1")
    assert caught.value.code == "1"
    assert caught.value.http_status == 401


@pytest.mark.parametrize("error", ['"0"', "0", '" 0 "', None])
def test_error_zero_as_string_number_or_absent(client, mocked, error):
    field = "" if error is None else f'"error": {error}, '
    mocked.get(f"{BASE}/sms/1", body=f'{{{field}"id": 1, "status": "sent"}}')
    assert client.status("1").provider_state == "sent"


def test_error_code_as_number(client, mocked):
    mocked.get(f"{BASE}/sms/1", json={"error": 20, "errorDescription": "SMS not found"})
    with pytest.raises(NotFound):
        client.status("1")


def test_description_key_with_a_stray_space(client, mocked):
    mocked.get(f"{BASE}/hlr/1", json={"error": "60", " errorDescription": "HLR not found"})
    with pytest.raises(NotFound) as caught:
        client.hlr_result("1")
    assert caught.value.description == "HLR not found"


@pytest.mark.parametrize("body", [b"", b"<html>", b"[]", b'"ok"', b'{"error": "x1"}', b"123"])
def test_garbage_is_invalid_response(client, mocked, body):
    mocked.get(f"{BASE}/sms/1", body=body)
    with pytest.raises(InvalidResponse) as caught:
        client.status("1")
    assert caught.value.http_status == 200


def test_unreadable_error_code_with_http_error_status(client, mocked):
    for _ in range(3):
        mocked.get(f"{BASE}/sms/1", status=503, json={"error": "boom"})
    with pytest.raises(ProviderError) as caught:
        client.status("1")
    assert caught.value.http_status == 503


def test_http_error_status_with_a_zero_error(client, mocked):
    mocked.get(f"{BASE}/sms/1", status=404, json={"error": "0"})
    with pytest.raises(NotFound) as caught:
        client.status("1")
    assert caught.value.code is None


def test_errors_never_show_the_key(client, mocked):
    key = client.driver.settings.api_key
    mocked.get(f"{BASE}/sms/1", body=f"bad key {key}")
    with pytest.raises(InvalidResponse) as caught:
        client.status("1")
    assert key not in str(caught.value) and key not in (caught.value.body or "")
