"""The console's roles and what each may do (admin may do everything)."""

from __future__ import annotations

ADMIN = "admin"  # users, API tokens, kiosks' keys; and everything else
OPERATIONS = "operations"  # catalog, calendar, prices, kiosks
FINANCE = "finance"  # reports, refunds
VIEWER = "viewer"  # reads only
ROLES = (ADMIN, OPERATIONS, FINANCE, VIEWER)
# the ops API: any role may read; these may write (a route can ask for narrower, api_user)
API_WRITERS = (ADMIN, OPERATIONS)
# an API token's scope: `role` = all its user's role allows; `read` = GET only
TOKEN_SCOPES = ("role", "read")


def allowed(role: str, roles: tuple[str, ...]) -> bool:
    """Whether `role` passes a check asking for `roles` (empty: any signed-in role)."""
    return role == ADMIN or not roles or role in roles
