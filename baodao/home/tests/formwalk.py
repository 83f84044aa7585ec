"""The machinery of the form walk (test_form_walk.py): read a page's forms as a browser does, post
them as a browser would, and tell our messages from the framework's.

A browser posts every control of a form that has a name and is not disabled, in document order,
each one as often as it appears (two controls named `member` post `member` twice, and Django reads
the last one); a checkbox only when ticked; a select its chosen option (else its first); the
clicked button's own name and value; controls outside the form that name it with `form=`. That is
what `Form.body` builds, so a form whose fields disagree with its view fails here as it fails for a
person (issue 19 §12).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.http import HttpResponse
from django.utils.functional import Promise

# --- reading forms --------------------------------------------------------------------------------


@dataclass
class Control:
    tag: str
    attrs: dict[str, str]
    options: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""

    @property
    def name(self) -> str:
        return self.attrs.get("name", "")

    @property
    def type(self) -> str:
        if self.tag == "input":
            return self.attrs.get("type", "text").lower()
        if self.tag == "button":
            return self.attrs.get("type", "submit").lower()
        return self.tag

    @property
    def is_submit(self) -> bool:
        return self.tag in ("button", "input") and self.type in ("submit", "image")


@dataclass
class Form:
    attrs: dict[str, str]
    page: str  # the URL of the page it is on
    controls: list[Control] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.attrs.get("method", "get").lower()

    @property
    def action(self) -> str:
        return urljoin(self.page, self.attrs.get("action") or self.page)

    def submitters(self) -> list[tuple[Control | None, str, list[str] | None]]:
        """Each way to send the form: (the button pressed, the URL it posts to, the only fields it
        sends or None for all). A button with `formaction` or htmx's `hx-post` posts elsewhere."""
        buttons = [c for c in self.controls if c.is_submit]
        ways: list[tuple[Control | None, str, list[str] | None]] = []
        for b in buttons:
            if "hx-post" in b.attrs:
                only = [p.strip() for p in b.attrs.get("hx-params", "").split(",") if p.strip()] or None
                ways.append((b, urljoin(self.page, b.attrs["hx-post"]), only))
            else:
                ways.append((b, urljoin(self.page, b.attrs.get("formaction") or self.action), None))
        return ways or [(None, self.action, None)]

    def body(
        self, button: Control | None, fill: dict[str, Any] | None = None, only: list[str] | None = None
    ) -> list[tuple[str, str]]:
        """What a browser posts when a person has typed or chosen `fill` (a name's value, or a list
        of values for checkboxes and multiple selects) and pressed `button`. Filling a name the form
        lacks, or choosing an option a select does not offer, is an error of the walk's table."""
        fill = dict(fill or {})
        names = {c.name for c in self.controls if c.name}
        unknown = set(fill) - names
        assert not unknown, f"the form has no field {sorted(unknown)}; it has {sorted(names)}"
        out: list[tuple[str, str]] = []
        filled: set[str] = set()
        for c in self.controls:
            if not c.name or "disabled" in c.attrs or (only is not None and c.name not in only):
                continue
            if c.is_submit:
                if c is button:
                    out.append((c.name, c.attrs.get("value", "")))
                continue
            if c.type in ("button", "reset", "file"):
                continue
            wanted = fill.get(c.name)
            first = c.name not in filled  # a person fills the first control of a name
            if c.type in ("checkbox", "radio"):
                value = c.attrs.get("value", "on")
                if c.name in fill:
                    values = [str(v) for v in (wanted if isinstance(wanted, list | tuple) else [wanted])]
                    if value in values:
                        out.append((c.name, value))
                        filled.add(c.name)
                elif "checked" in c.attrs:
                    out.append((c.name, value))
            elif c.tag == "select":
                offered = [o["attrs"].get("value", o["text"].strip()) for o in c.options]
                if c.name in fill and first:
                    values = [str(v) for v in (wanted if isinstance(wanted, list | tuple) else [wanted])]
                    missing = [v for v in values if v not in offered]
                    assert not missing, f"select {c.name} offers {offered}, not {missing}"
                    out += [(c.name, v) for v in values]
                    filled.add(c.name)
                else:
                    chosen = [v for o, v in zip(c.options, offered, strict=True) if "selected" in o["attrs"]]
                    if not chosen and "multiple" not in c.attrs and offered:
                        chosen = offered[:1]
                    out += [(c.name, v) for v in chosen]
            else:
                if c.name in fill and first:
                    out.append((c.name, str(wanted)))
                    filled.add(c.name)
                else:
                    out.append((c.name, c.text if c.tag == "textarea" else c.attrs.get("value", "")))
        return out

    def fields(self) -> list[Control]:
        return [c for c in self.controls if c.name and not c.is_submit and c.type not in ("button", "reset")]


class _Parser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.current: Form | None = None
        self.pending: list[tuple[str, Control]] = []  # controls that name their form with form=
        self.select: Control | None = None
        self.option: dict[str, Any] | None = None
        self.textarea: Control | None = None
        self.button: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.current = Form(a, self.page)
            self.forms.append(self.current)
            if "id" in a:
                self.by_id[a["id"]] = self.current
        elif tag in ("input", "button", "select", "textarea"):
            c = Control(tag, a)
            if "form" in a:
                self.pending.append((a["form"], c))
            elif self.current is not None:
                self.current.controls.append(c)
            self.select = c if tag == "select" else self.select
            self.textarea = c if tag == "textarea" else None
            self.button = c if tag == "button" else None
        elif tag == "option" and self.select is not None:
            self.option = {"attrs": a, "text": ""}
            self.select.options.append(self.option)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "button":
            self.button = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.text += data
        elif self.button is not None:
            self.button.text += data
        elif self.option is not None:
            self.option["text"] += data


def forms_of(page_html: str, url: str) -> list[Form]:
    """The page's forms, each with its controls (those outside it that name it included)."""
    parser = _Parser(url)
    parser.feed(page_html)
    parser.close()
    for form_id, c in parser.pending:
        if form_id in parser.by_id:
            parser.by_id[form_id].controls.append(c)
    for f in parser.forms:
        for c in f.controls:
            if c.tag == "textarea" and c.text.startswith("\n"):
                c.text = c.text[1:]  # as the HTML parser of a browser drops it
    return parser.forms


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- whose words ----------------------------------------------------------------------------------

SENTINEL = 7_654_321


class _Any(dict):  # type: ignore[type-arg]
    """Any placeholder of a message, filled with the sentinel."""

    def __missing__(self, key: str) -> int:
        return SENTINEL


def _pattern(text: str) -> re.Pattern[str] | None:
    text = text.strip().rstrip("。.")
    literal = re.sub(r"\d*7654321\d*|\{[a-z_]+\}", "", text)
    if len(re.sub(r"\W", "", literal)) < 4:
        return None  # too little of its own to be told apart
    parts = re.split(r"(7654321|\{[a-z_]+\}|\s+)", text)
    out = []
    for p in parts:
        if p == "7654321" or re.fullmatch(r"\{[a-z_]+\}", p or ""):
            out.append(r".{0,80}?")
        elif p and p.isspace():
            out.append(r"\s*")
        elif p:
            out.append(re.escape(p))
    return re.compile("".join(out))


@functools.cache
def stock_messages() -> tuple[re.Pattern[str], ...]:
    """Django's own messages, in the language of the site (zh-hans), as patterns: the form fields',
    the model fields', the validators', the auth forms', the model's unique and 404 messages."""
    from django import forms
    from django.contrib.auth import forms as auth_forms
    from django.core import validators
    from django.db import models
    from django.utils import translation

    def subclasses(cls: type) -> set[type]:
        return {s for c in cls.__subclasses__() for s in {c} | subclasses(c)}

    found: list[Any] = []
    for cls in {forms.Field, models.Field} | subclasses(forms.Field) | subclasses(models.Field):
        found += list(vars(cls).get("default_error_messages", {}).values())
    for cls in vars(validators).values():
        if isinstance(cls, type):
            own = vars(cls).get("messages")
            found += [vars(cls).get("message", "")] + (list(own.values()) if isinstance(own, dict) else [])
    for cls in vars(auth_forms).values():
        if isinstance(cls, type) and issubclass(cls, forms.BaseForm):
            found += list(vars(cls).get("error_messages", {}).values())
    found += [
        "%(model_name)s with this %(field_labels)s already exists.",
        "Constraint “%(name)s” is violated.",
    ]
    patterns: list[re.Pattern[str]] = []
    with translation.override("zh-hans"):
        for message in found:
            if not isinstance(message, str | Promise):
                continue
            said = translation.gettext(message) if isinstance(message, str) else message
            for m in {said, message}:
                try:
                    text = str(m % _Any()) if m else ""
                except (TypeError, ValueError, KeyError):
                    text = str(m)
                if (p := _pattern(text)) is not None:
                    patterns.append(p)
    # Not translated at all: the text of a 404 raised by get_object_or_404 and the generic views.
    patterns += [re.compile(r"No \w+ matches the given query"), re.compile(r"No .{1,40} found matching the query")]
    return tuple(patterns)


# Words our messages may carry: formats, file types, units.
LATIN_OK = {"Webhook", "Excel", "xlsx", "xls", "PDF", "JPG", "PNG", "URL", "http", "https", "JSON", "true", "false"}
# Where a page says what went wrong: a form's errors, the summary, a refusal, the flash messages.
ERROR_AREAS = re.compile(
    r"<(ul|div|p)\b[^>]*class=\"[^\"]*\b(errorlist|error-summary|error-message|messages)\b[^\"]*\"[^>]*>(.*?)</\1>",
    re.S,
)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def error_texts(page_html: str) -> list[str]:
    return [text_of(m.group(3)) for m in ERROR_AREAS.finditer(page_html)]


def foreign(page_html: str, flashed: list[str]) -> list[str]:
    """What on this page, or among the messages it flashed, is not in our words: Django's stock
    messages, its dropdown dashes, English in a message."""
    found = []
    whole = text_of(page_html) + " " + " ".join(flashed)
    found += [m.group(0) for p in stock_messages() for m in [p.search(whole)] if m]
    if "---------" in page_html:
        found.append("---------")
    for said in [*error_texts(page_html), *flashed]:
        words = [w for w in re.findall(r"[A-Za-z]{3,}", said) if w not in LATIN_OK]
        if words:
            found.append(said)
    return found


def flashed(response: HttpResponse) -> list[tuple[int, str]]:
    """The messages the request flashed (level, text), as the next page would show them."""
    from django.contrib.messages import get_messages

    request = getattr(response, "wsgi_request", None)
    return [(m.level, str(m)) for m in get_messages(request)] if request is not None else []
