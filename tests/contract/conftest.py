"""Options for pointing the contract tests at any Flint server. They are copied into the
environment before test modules are imported, because schemathesis builds its tests at import."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flint-contract")
    group.addoption("--base-url", default=None, help="Flint server to test (default: a fresh local sandbox)")
    group.addoption("--api-key", default=None, help="merchant API key")
    group.addoption("--peer-api-key", default=None, help="a second merchant's key (tenancy checks)")


def pytest_configure(config: pytest.Config) -> None:
    for option, env in (("--base-url", "FLINT_BASE_URL"), ("--api-key", "FLINT_API_KEY"), ("--peer-api-key", "FLINT_PEER_API_KEY")):
        value = config.getoption(option, default=None)
        if value:
            os.environ[env] = value
