"""The HMAC signature scheme of the webhook channel (Maasdal's), without any I/O."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from connectors.channels import (
    MalformedSignature,
    MissingSignature,
    SignatureError,
    SignatureExpired,
    SignatureMismatch,
)
from connectors.channels.webhook import sign, verify_signature

NOW = 1_790_022_400
SECRET = "s3cret-new"
OLD = "s3cret-old"
BODY = b'{"berichtId":"MD-20261126-000123","opdrachtnummer":"WO-2026-0042"}'


def test_sign_follows_the_partner_page() -> None:
    digest = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET, NOW) == f"t={NOW},v1={digest}"


def test_valid_signature_passes() -> None:
    verify_signature(sign(BODY, SECRET, NOW), BODY, [SECRET], now=NOW)


def test_two_v1_values_one_valid_passes() -> None:
    good = sign(BODY, SECRET, NOW).split("v1=")[1]
    other = sign(BODY, "someone-else", NOW).split("v1=")[1]
    verify_signature(f"t={NOW},v1={other},v1={good}", BODY, [SECRET], now=NOW)
    verify_signature(f"t={NOW},v1={good},v1={other}", BODY, [SECRET], now=NOW)


@pytest.mark.parametrize("signed_with", [OLD, SECRET])
def test_either_of_two_held_secrets_passes(signed_with: str) -> None:
    verify_signature(sign(BODY, signed_with, NOW), BODY, [OLD, SECRET], now=NOW)


def test_rotation_partner_signs_with_both_we_hold_only_the_new() -> None:
    old = sign(BODY, OLD, NOW).split("v1=")[1]
    new = sign(BODY, SECRET, NOW).split("v1=")[1]
    verify_signature(f"t={NOW},v1={old},v1={new}", BODY, [SECRET], now=NOW)


@pytest.mark.parametrize("age", [301, -301, 10_000, -10_000])
def test_outside_the_replay_window_is_refused_in_both_directions(age: int) -> None:
    with pytest.raises(SignatureExpired):
        verify_signature(sign(BODY, SECRET, NOW - age), BODY, [SECRET], now=NOW)


@pytest.mark.parametrize("age", [300, -300, 299.5, -299.5])
def test_the_edge_of_the_replay_window_passes(age: float) -> None:
    verify_signature(sign(BODY, SECRET, NOW), BODY, [SECRET], now=NOW + age)


def test_tolerance_is_configurable() -> None:
    header = sign(BODY, SECRET, NOW - 61)
    with pytest.raises(SignatureExpired):
        verify_signature(header, BODY, [SECRET], now=NOW, tolerance_seconds=60)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header: str | None) -> None:
    with pytest.raises(MissingSignature):
        verify_signature(header, BODY, [SECRET], now=NOW)


HEX = "a" * 64


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v1={HEX}",  # no timestamp
        f"t={NOW}",  # no signature
        f"t={NOW},v0={HEX}",  # only an unknown scheme
        f"t=abc,v1={HEX}",  # timestamp not a number
        f"t=-{NOW},v1={HEX}",  # negative timestamp
        f"t={NOW}.5,v1={HEX}",  # fractional timestamp
        f"t=1{'0' * 40},v1={HEX}",  # absurdly long timestamp
        f"t={NOW},t={NOW},v1={HEX}",  # two timestamps
        f"t={NOW},v1=",  # empty signature
        f"t={NOW},v1={'a' * 63}",  # too short
        f"t={NOW},v1={'g' * 64}",  # not hex
        f"t={NOW},v1={'A' * 64}",  # upper case (the page says lowercase)
        f"t={NOW},v1={HEX},junk",  # a part without '='
        f"t={NOW}," + ",".join(f"v1={HEX}" for _ in range(9)),  # too many values
        f"t={NOW},v1={HEX}" + " " * 2000,  # too long
    ],
)
def test_malformed_headers(header: str) -> None:
    with pytest.raises(MalformedSignature):
        verify_signature(header, BODY, [SECRET], now=NOW)


def test_unknown_schemes_next_to_v1_are_ignored() -> None:
    header = sign(BODY, SECRET, NOW) + f",v2={'b' * 64}"
    verify_signature(header, BODY, [SECRET], now=NOW)


def test_spaces_around_parts_are_tolerated() -> None:
    t, v1 = sign(BODY, SECRET, NOW).split(",")
    verify_signature(f" {t} , {v1} ", BODY, [SECRET], now=NOW)


def test_wrong_secret_is_a_mismatch() -> None:
    with pytest.raises(SignatureMismatch):
        verify_signature(sign(BODY, "not-the-secret", NOW), BODY, [SECRET], now=NOW)


@pytest.mark.parametrize(
    "tampered",
    [
        BODY.replace(b"0042", b"0043"),
        BODY + b" ",
        BODY[:-1],
        b"",
    ],
)
def test_tampered_body_is_a_mismatch(tampered: bytes) -> None:
    with pytest.raises(SignatureMismatch):
        verify_signature(sign(BODY, SECRET, NOW), tampered, [SECRET], now=NOW)


def test_a_timestamp_changed_after_signing_is_a_mismatch() -> None:
    digest = sign(BODY, SECRET, NOW).split("v1=")[1]
    with pytest.raises(SignatureMismatch):
        verify_signature(f"t={NOW - 5},v1={digest}", BODY, [SECRET], now=NOW)


def test_no_secrets_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="secret"):
        verify_signature(sign(BODY, SECRET, NOW), BODY, [], now=NOW)


@pytest.mark.parametrize(
    ("header", "body", "now"),
    [
        (sign(BODY, "wrong", NOW), BODY, NOW),
        (sign(BODY, SECRET, NOW), b"tampered", NOW),
        (sign(BODY, SECRET, NOW - 301), BODY, NOW),
        (f"t={NOW},v1={'z' * 64}", BODY, NOW),
        (None, BODY, NOW),
    ],
)
def test_errors_never_reveal_secret_body_or_digest(
    header: str | None, body: bytes, now: int
) -> None:
    expected_digest = sign(body, SECRET, NOW).split("v1=")[1]
    with pytest.raises(SignatureError) as caught:
        verify_signature(header, body, [SECRET, OLD], now=now)
    text = f"{caught.value} {caught.value!r} {caught.value.reason} {caught.value.args}"
    for secret_thing in (SECRET, OLD, expected_digest, body.decode(), "WO-2026-0042"):
        assert secret_thing not in text
    assert caught.value.reason.startswith("signature ")
