"""ID number (GB 11643-1999) and mainland mobile number validation."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_number_error(value: str) -> str | None:
    """The reason an ID number is invalid, in Chinese, or None if it is valid."""
    value = normalize_id_number(value)
    if not ID_RE.match(value):
        return _("身份证号应为18位（前17位数字，最后一位数字或X）")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号中的出生日期无效")
    if id_check_digit(value[:17]) != value[17]:
        return _("身份证号校验位错误")
    return None


def birth_date_from_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str) -> None:
    error = id_number_error(value)
    if error:
        raise ValidationError(error, code="id_number")


def mobile_error(value: str) -> str | None:
    if not MOBILE_RE.match((value or "").strip()):
        return _("手机号应为11位，以1开头")
    return None


def validate_mobile(value: str) -> None:
    error = mobile_error(value)
    if error:
        raise ValidationError(error, code="mobile")


# Text no field can hold, whichever field it is sent for: PostgreSQL refuses a NUL in text, and a
# lone surrogate (a JSON "\ud800") is not a character at all — no database driver encodes it.
def text_error(value: str, field: str) -> str | None:
    """Why `value`, sent for `field` (its name as the sender knows it), can be stored in no text
    column — a Chinese sentence naming the field — or None when it can."""
    if "\x00" in value:
        return _("%(field)s 中含有空字符（\\u0000），请删除后重试") % {"field": printable(field)}
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("%(field)s 中含有无效的字符，请删除后重试") % {"field": printable(field)}
    return None


def printable(name: str, limit: int = 40) -> str:
    """A name a client sent (a field, a parameter), safe to put in a message: what no text can hold
    is escaped, and it is cut short."""
    shown = name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
    return shown if len(shown) <= limit else shown[:limit] + "…"
