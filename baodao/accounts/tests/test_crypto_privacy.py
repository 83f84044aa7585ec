"""Personal data at rest (SM4-GCM, HMAC-SM3), masking, ID number / mobile / password validation."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from baodao.accounts.validators import ComplexityValidator
from baodao.core import crypto
from baodao.core.privacy import mask_address, mask_id_number, mask_mobile, mask_name
from baodao.core.validators import (
    birth_date_from_id,
    gender_from_id,
    id_check_digit,
    id_number_error,
    mobile_error,
    validate_id_number,
    validate_mobile,
)
from baodao.directory.models import Member

# --- encryption ---------------------------------------------------------------------------------


@pytest.mark.parametrize("plain", ["42900019900101123X", "13812345678", "湖北省咸宁市安一小区2单元301室"])
def test_encrypt_decrypt_round_trip(plain: str) -> None:
    token = crypto.encrypt(plain)

    assert crypto.decrypt(token) == plain
    assert plain not in token
    assert plain.encode() not in base64.b64decode(token)


def test_encryption_is_randomised() -> None:
    assert crypto.encrypt("13812345678") != crypto.encrypt("13812345678")


def test_empty_values_stay_empty() -> None:
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""
    assert crypto.lookup_hash("") == ""


def test_tampered_ciphertext_is_rejected() -> None:
    blob = bytearray(base64.b64decode(crypto.encrypt("13812345678")))
    blob[14] ^= 0x01

    with pytest.raises(InvalidTag):
        crypto.decrypt(base64.b64encode(bytes(blob)).decode())


@pytest.fixture
def other_key() -> Iterator[None]:
    crypto._keys.cache_clear()
    with override_settings(FIELD_KEY="00112233445566778899aabbccddeeff"):
        yield
    crypto._keys.cache_clear()


def test_lookup_hash_depends_on_the_key(other_key: None) -> None:
    with_other_key = crypto.lookup_hash("13812345678")
    crypto._keys.cache_clear()
    with override_settings(FIELD_KEY="0123456789abcdeffedcba9876543210"):
        with_test_key = crypto.lookup_hash("13812345678")

    assert with_other_key != with_test_key


def test_another_key_cannot_decrypt() -> None:
    token = crypto.encrypt("13812345678")
    crypto._keys.cache_clear()
    try:
        with override_settings(FIELD_KEY="00112233445566778899aabbccddeeff"), pytest.raises(InvalidTag):
            crypto.decrypt(token)
    finally:
        crypto._keys.cache_clear()


@pytest.mark.parametrize("bad", ["not-hex", "0123", "0123456789abcdeffedcba987654321000"])
def test_bad_field_key_is_refused(bad: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    crypto._keys.cache_clear()
    try:
        with override_settings(FIELD_KEY=bad), pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")
    finally:
        crypto._keys.cache_clear()


def test_lookup_hash_stable_and_normalised() -> None:
    h = crypto.lookup_hash("42900019900101123X")

    assert crypto.lookup_hash("42900019900101123X") == h
    assert crypto.lookup_hash(" 42900019900101123x ") == h
    assert crypto.lookup_hash("429000199001011234") != h
    assert len(h) == 64
    assert "42900019900101123" not in h


def test_member_columns_are_stored_encrypted(world: SimpleNamespace) -> None:
    m = world.m_u_a

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, mobile, address_detail, id_hash, mobile_hash FROM directory_member WHERE id = %s",
            [m.pk],
        )
        raw_id, raw_mobile, raw_address, id_hash, mobile_hash = cursor.fetchone()

    for raw, plain in ((raw_id, m.id_number), (raw_mobile, m.mobile), (raw_address, m.address_detail)):
        assert raw != plain
        assert plain not in raw
        assert crypto.decrypt(raw) == plain
    assert id_hash == crypto.lookup_hash(m.id_number)
    assert mobile_hash == crypto.lookup_hash(m.mobile)
    # The ORM hands back plain text.
    assert Member.objects.values_list("id_number", flat=True).get(pk=m.pk) == m.id_number


def test_resident_mobile_is_stored_encrypted(world: SimpleNamespace) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, address_detail FROM directory_resident WHERE id = %s", [world.r_a1.pk])
        raw_mobile, raw_address = cursor.fetchone()

    assert "13987654321" not in raw_mobile
    assert "安一小区3栋101" not in raw_address
    assert crypto.decrypt(raw_mobile) == "13987654321"


def test_member_can_be_found_by_id_hash_only(world: SimpleNamespace) -> None:
    """The plain ID number is not searchable in the database; the keyed hash is."""
    plain = world.m_u_a.id_number

    assert not Member.objects.extra(where=["id_number = %s"], params=[plain]).exists()
    assert Member.objects.get(id_hash=crypto.lookup_hash(plain.lower())) == world.m_u_a


# --- masking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("42900019900101123X", "4290**********123X"),
        ("429000199001011234", "4290**********1234"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812345678", "138****5678"), ("123456", "******"), ("", "")],
)
def test_mask_mobile(value: str, masked: str) -> None:
    assert mask_mobile(value) == masked


def test_mask_address_hides_everything() -> None:
    assert mask_address("安一小区2单元301室") == "******"
    assert mask_address("") == ""


@pytest.mark.parametrize(
    ("value", "masked"), [("张三丰", "张*丰"), ("张三", "张*"), ("张", "张"), ("欧阳晓明", "欧**明")]
)
def test_mask_name(value: str, masked: str) -> None:
    assert mask_name(value) == masked


@given(st.text(alphabet="0123456789X", min_size=9, max_size=30))
def test_masked_id_never_contains_the_middle(value: str) -> None:
    masked = mask_id_number(value)

    assert len(masked) == len(value)
    assert masked[4:-4] == "*" * (len(value) - 8)


# --- ID numbers ---------------------------------------------------------------------------------


def _valid_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


def test_known_id_check_digits() -> None:
    # GB 11643-1999 worked example and a check digit of X.
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


def test_valid_id_number() -> None:
    value = _valid_id("99010219850312123")

    assert id_number_error(value) is None
    validate_id_number(value)
    assert birth_date_from_id(value) == dt.date(1985, 3, 12)
    assert gender_from_id(value) == "M"  # the 17th digit is odd for men
    assert gender_from_id(_valid_id("99010219850312122")) == "F"


def test_lower_case_x_is_accepted() -> None:
    value = "11010519491231002x"

    assert id_number_error(value) is None


def test_wrong_check_digit() -> None:
    value = _valid_id("99010219850312123")
    wrong = value[:17] + ("0" if value[17] != "0" else "1")

    assert id_number_error(wrong) == "身份证号校验位错误"
    with pytest.raises(ValidationError):
        validate_id_number(wrong)


@pytest.mark.parametrize("date", ["19850230", "19851301", "19850001", "00000000"])
def test_bad_birth_date(date: str) -> None:
    value = _valid_id(f"990102{date}123")

    assert id_number_error(value) == "身份证号中的出生日期无效"


@pytest.mark.parametrize(
    "value", ["", "12345", "9901021985031212", "99010219850312123Y", "990102198503121234X", "A9010219850312123X"]
)
def test_malformed_id_number(value: str) -> None:
    assert id_number_error(value) == "身份证号应为18位（前17位数字，最后一位数字或X）"


@given(
    region=st.from_regex(r"\A[1-9]\d{5}\Z"),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_appending_the_check_digit_gives_a_valid_id(region: str, birth: dt.date, seq: int) -> None:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"

    value = first17 + id_check_digit(first17)

    assert id_number_error(value) is None
    assert birth_date_from_id(value) == birth
    for other in "0123456789X":
        if other != value[17]:
            assert id_number_error(first17 + other) == "身份证号校验位错误"


# --- mobiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13812345678", "19900001234", " 15012345678 "])
def test_valid_mobile(value: str) -> None:
    assert mobile_error(value) is None
    validate_mobile(value)


@pytest.mark.parametrize(
    "value", ["", "12812345678", "1381234567", "138123456789", "+8613812345678", "1381234567a", "023-12345678"]
)
def test_invalid_mobile(value: str) -> None:
    assert mobile_error(value) == "手机号应为11位，以1开头"
    with pytest.raises(ValidationError):
        validate_mobile(value)


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["abcdEF12", "abcd12!!", "ABCD12!!", "Shuang#Bao2024", "密码abcD1"])
def test_complex_password_accepted(password: str) -> None:
    ComplexityValidator().validate(password)


@pytest.mark.parametrize("password", ["abcdefgh", "ABCDEFGH", "12345678", "abcdEFGH", "abcd1234", "!!!!1111"])
def test_simple_password_refused(password: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ComplexityValidator().validate(password)

    assert exc.value.code == "password_too_simple"
    assert "至少三类" in exc.value.messages[0]


def test_settings_password_validators_include_length_and_complexity(db: None) -> None:
    from django.contrib.auth.password_validation import validate_password

    validate_password("Shuang#Bao2024")
    with pytest.raises(ValidationError):
        validate_password("Ab1!")  # too short
    with pytest.raises(ValidationError):
        validate_password("abcdefghijkl")  # too simple
