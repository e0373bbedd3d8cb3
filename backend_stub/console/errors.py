"""What a console page raises when it won't go on: to the login page, or a 403/404 page
(the handlers are in console/__init__.py `install`)."""

from __future__ import annotations

from typing import ClassVar


class LoginRequired(Exception):
    """No valid session: 303 to /console/login?next=<this page>."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class Refused(Exception):
    """A 403 page (`csrf`: the form's token was missing or wrong; `role`: the user's role may
    not) or a 404 page (`not_found`)."""

    STATUS: ClassVar[dict[str, int]] = {"csrf": 403, "role": 403, "not_found": 404}

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why
        self.status = self.STATUS.get(why, 403)
