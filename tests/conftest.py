"""Shared fixtures. Each area keeps its own fixtures in tests/fixtures/<area>.py."""

pytest_plugins = [
    "tests.fixtures.common",
    "tests.fixtures.backend",
    "tests.fixtures.postgres",
    "tests.fixtures.idcard",
    "tests.fixtures.smartcard",
    "tests.fixtures.camera",
    "tests.fixtures.printer",
    "tests.fixtures.console",
]
