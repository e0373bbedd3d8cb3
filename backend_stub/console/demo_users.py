"""Demo mode's console users, one per role, with well-known passwords (printed by `make
demo`), and the demo ops API token (`demo-ops-token`) as the operations user's API token, so
scripted demos and tests keep calling the ops API with it. A production start refuses a
database that holds them (services.credentials.demo_secrets_in: meta `console_demo_users`)."""

from __future__ import annotations

from datetime import datetime

from backend_stub.console import api_tokens, users
from backend_stub.console.roles import ADMIN, FINANCE, OPERATIONS, VIEWER
from backend_stub.services.credentials import DEMO_OPS_TOKEN
from backend_stub.stores import Store

# user name, role, password, display name
DEMO_USERS = (
    ("admin", ADMIN, "demo-admin-pass", "演示管理员 Demo admin"),
    ("ops", OPERATIONS, "demo-ops-pass", "演示运营 Demo ops"),
    ("finance", FINANCE, "demo-finance-pass", "演示财务 Demo finance"),
    ("viewer", VIEWER, "demo-viewer-pass", "演示只读 Demo viewer"),
)
# their passwords hashed as every password is (users.hash_password: argon2id, t=3, m=64 MiB,
# p=4), once, here: 0.2 s of CPU a hash, which every demo start paid four times (the demo PINs
# are hashed ahead the same way, seed.DEMO_PIN_HASHES); the demo passwords are public anyway
DEMO_PASSWORD_HASHES = {
    "admin": "$argon2id$v=19$m=65536,t=3,p=4$OMNFE0dcjcubxu5O7yFrGw"
    "$gJu9yjqsyEIbaKtToYyz266IyiVWSZlY65w9aOMa+AQ",
    "ops": "$argon2id$v=19$m=65536,t=3,p=4$DXTFWUzXBSdanmlsuy/7Iw"
    "$89NbIqJZ14bq8xkIGTexr2B/ifaZfR0MpNH7WAwUqoM",
    "finance": "$argon2id$v=19$m=65536,t=3,p=4$BcEFjCLsjEnIjToi/8pbPA"
    "$kVA4AU/ZtpXYtmb6QROnZenDgPAvuuAsAhdCDXdz95c",
    "viewer": "$argon2id$v=19$m=65536,t=3,p=4$+fzgJXASXrD+TzfJfn7n9A"
    "$CqqMhYMbXGCbbmjnKVkZ8aEIPRuQm0960qDzFrPbjJA",
}
DEMO_TOKEN_USER = "ops"
META_KEY = "console_demo_users"


def ensure(store: Store, now: datetime) -> None:
    """Create the demo users that are missing (idempotent) and register the demo ops token."""
    for username, role, password, display in DEMO_USERS:
        if users.find(store, username) is None:
            users.create(
                store, username, role, password, now, display_name=display, check_strength=False,
                password_hash=DEMO_PASSWORD_HASHES[username],
            )  # fmt: skip
    ops_user = users.find(store, DEMO_TOKEN_USER)
    assert ops_user is not None
    if not api_tokens.live_with_hash(store, api_tokens.token_hash(DEMO_OPS_TOKEN)):
        api_tokens.register(store, ops_user["id"], "demo ops token", DEMO_OPS_TOKEN, now)
    store.set_meta(META_KEY, "1")


def summary() -> str:
    """One line for `make demo`: who can sign in to the console, with which password."""
    return "  ".join(f"{name}/{password}" for name, _, password, _ in DEMO_USERS)
