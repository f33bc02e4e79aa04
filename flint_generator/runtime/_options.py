"""A client's settings and a call's options (RequestOptions, PageOptions), and the package's logger: what every
part of the client engine reads about how a call should run.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import typing as _t

import httpx

from . import _config

PACKAGE = (__package__ or "api").rsplit(".", 1)[-1]

# the package's logger: requests, statuses, retries and their delays, request ids; never credentials or bodies.
# `<PREFIX>_LOG=debug|info` in the environment sends it to stderr.
logger = logging.getLogger(__package__ or PACKAGE)


def _setup_logging() -> None:
    level = os.environ.get(f"{_config.ENV_PREFIX}_LOG", "").lower()
    if level in ("debug", "info") and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


class RequestOptions(_t.TypedDict, total=False):
    """Keywords every operation method accepts (each overrides the client's setting for this call only):
    `timeout` (seconds or an `httpx.Timeout`, per attempt), `deadline` (seconds for the whole call: every attempt,
    backoff and Retry-After wait), `max_retries` (after the first attempt), `extra_headers` (sent as given, last),
    `strict_responses` (False: a 2xx body that does not match its schema is returned as received, see decode).
    """

    timeout: float | httpx.Timeout | None
    deadline: float | None
    max_retries: int | None
    extra_headers: _t.Mapping[str, str] | None
    strict_responses: bool | None


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)


class PageOptions(RequestOptions, total=False):
    """RequestOptions of the page and item iterators, plus `max_pages` / `max_items` (stop after that many). The
    deadline applies to each page's request, never to the time the caller spends between items.
    """

    max_pages: int | None
    max_items: int | None


@dataclasses.dataclass(frozen=True)
class Settings:
    """A client's defaults; `with_options` makes a client with some of them changed (sharing the connection pool)."""

    api_key: str | None
    base_url: str
    timeout: float | httpx.Timeout
    max_retries: int
    deadline: float | None
    default_headers: _t.Mapping[str, str]
    api_version: str | None
    idempotency_key: str | None = None
    strict_responses: bool = True
