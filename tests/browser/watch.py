"""What every browser test watches: the Content-Security-Policy refuses nothing and no script fails.

Each context the tests open (through `watched`) records, for every page, console messages that
report a policy violation and uncaught script errors; the test fails at its end if there are any.
"""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page


class Watcher:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def page(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"{message.location.get('url')}: {text}")


def watched(browser: Browser, **options: object) -> Iterator[BrowserContext]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    watcher = Watcher()
    context.on("page", watcher.page)
    yield context
    context.close()
    assert watcher.problems == [], "refused by the Content-Security-Policy or failed in the browser"
