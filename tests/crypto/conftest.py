"""Fixtures of the crypto tests: a key folder made by `init_keys` and a Crypto over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.crypto import Crypto, Keyring


@pytest.fixture
def keys(keys_dir: Path) -> Path:
    return keys_dir


@pytest.fixture
def crypto(keys: Path) -> Crypto:
    return Crypto(Keyring.load(keys))
