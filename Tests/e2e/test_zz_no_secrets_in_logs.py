"""Runs last (file order): after everything above, no log of any stack contains a secret."""
from __future__ import annotations

from helpers import MASTER_KEY, MOCK_KEY


def test_no_secret_in_any_log(stack, stack2):
    """Worker, nginx and runner logs never contain the provider key or the master key, even
    after auth failures and upstream errors that quoted the key."""
    offenders = []
    for s in (stack, stack2):
        for f in s.state.rglob("*.log"):
            text = f.read_text(errors="replace")
            for secret in (MOCK_KEY, MASTER_KEY):
                if secret in text:
                    offenders.append(f"{f}: contains {secret[:8]}...")
        if MOCK_KEY in s.stderr_tail(10_000) or MASTER_KEY in s.stderr_tail(10_000):
            offenders.append(f"{s.stderr_path}")
    assert not offenders, offenders
