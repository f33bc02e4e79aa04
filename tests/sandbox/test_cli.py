"""The CLI pieces that need no server: --key parsing, keys create, clock advance, fault switch."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from flint_sandbox import accounts, faults
from flint_sandbox.cli import parse_key
from flint_sandbox.store_sqlite import SQLiteStorage


def test_key_splits_at_the_first_colon() -> None:
    assert parse_key("shop:flint_test_a:b") == ("shop", "flint_test_a:b")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_key("shop:sk_live_x")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_key("no-colon")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_key(":flint_test_x")


def test_registering_a_key_twice_is_harmless(tmp_path: Path) -> None:
    s = SQLiteStorage(str(tmp_path / "k.db"))
    m1 = s.write_sync(lambda tx: accounts.add_key(tx, "shop", "flint_test_same"))
    m2 = s.write_sync(lambda tx: accounts.add_key(tx, "shop", "flint_test_same"))
    assert m1 == m2
    rec = s.read_sync(lambda tx: accounts.find_key(tx, "flint_test_same"))
    assert rec is not None and rec.merchant_id == m1 and rec.scopes == accounts.ALL_SCOPES
    # the database holds only the hash
    raw = (tmp_path / "k.db").read_bytes()
    assert b"flint_test_same" not in raw
    with pytest.raises(ValueError):
        s.write_sync(lambda tx: accounts.add_key(tx, "other", "flint_test_same"))


def test_keys_create_prints_only_the_key_and_clock_advances(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    out = subprocess.run(
        [sys.executable, "-m", "flint_sandbox.cli", "keys", "create", "--db", db, "--merchant", "shop",
         "--scope", "commerce.orders.read"],
        check=True, capture_output=True, text=True,
    ).stdout
    key = out.strip()
    assert out == key + "\n" and key.startswith("flint_test_")
    s = SQLiteStorage(db)
    rec = s.read_sync(lambda tx: accounts.find_key(tx, key))
    assert rec is not None and rec.scopes == frozenset({"commerce.orders.read"})
    before = s.read_sync(lambda tx: tx.now())
    subprocess.run([sys.executable, "-m", "flint_sandbox.cli", "clock", "advance", "--db", db, "--days", "2"],
                   check=True, capture_output=True)
    after = s.read_sync(lambda tx: tx.now())
    assert (after - before).total_seconds() >= 2 * 86400


def test_faults_are_off_by_default_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLINT_SANDBOX_FAULTS", raising=False)
    assert faults.from_env() == frozenset()
    monkeypatch.setenv("FLINT_SANDBOX_FAULTS", "total_off_by_one, float_amounts")
    assert faults.from_env() == {"total_off_by_one", "float_amounts"}
    monkeypatch.setenv("FLINT_SANDBOX_FAULTS", "nope")
    with pytest.raises(SystemExit):
        faults.from_env()


def test_all_scopes_are_every_scope_the_spec_names() -> None:
    from flint_api.server import OPERATION_SECURITY

    named = {s for sec in OPERATION_SECURITY.values() for req in sec.requirements for _, scopes in req for s in scopes}
    assert accounts.ALL_SCOPES == named
