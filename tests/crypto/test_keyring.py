"""Key files on disk: init, start-up checks, rotate, retire."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gateway.crypto.keyring import (
    INDEX_KEY_FILE,
    KEK_ID_RE,
    PRIMARY_FILE,
    Keyring,
    KeyringError,
    init_keys,
    retire,
    rotate,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    d = tmp_path / "keys"
    init_keys(d)
    return d


def load_error(keys_dir: Path) -> str:
    with pytest.raises(KeyringError) as exc:
        Keyring.load(keys_dir)
    msg = str(exc.value)
    assert "\n" not in msg and msg
    return msg


def test_init_creates_files_with_tight_modes(tmp_path: Path) -> None:
    d = tmp_path / "nested" / "keys"
    kid = init_keys(d)
    assert KEK_ID_RE.match(kid)
    assert mode(d) == 0o700
    files = {p.name for p in d.iterdir()}
    assert files == {kid + ".kek", PRIMARY_FILE, INDEX_KEY_FILE}  # no temp files left
    for p in d.iterdir():
        assert mode(p) == 0o600
    assert len((d / (kid + ".kek")).read_bytes()) == 32
    assert (d / PRIMARY_FILE).read_text() == kid + "\n"
    ring = Keyring.load(d)
    assert ring.primary_id == kid and ring.kek_ids == [kid]
    assert len(ring.kek(kid)) == 32 and len(ring.index_key) == 32
    assert ring.kek(kid) != ring.index_key


def test_init_under_a_strict_umask_and_a_loose_one(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        d = tmp_path / "k1"
        init_keys(d)
    finally:
        os.umask(old)
    assert mode(d) == 0o700 and all(mode(p) == 0o600 for p in d.iterdir())
    Keyring.load(d)


def test_init_accepts_checked_in_folder_and_tightens_it(tmp_path: Path) -> None:
    d = tmp_path / "keys"
    d.mkdir(mode=0o755)
    os.chmod(d, 0o755)
    (d / "README.md").write_text("keys live here\n")
    (d / ".gitignore").write_text("*\n")
    init_keys(d)
    assert mode(d) == 0o700
    Keyring.load(d)  # README/.gitignore (0644) are ignored


def test_init_refuses_existing_keys(keys: Path) -> None:
    before = {p.name: p.read_bytes() for p in keys.iterdir()}
    with pytest.raises(KeyringError, match="already exist"):
        init_keys(keys)
    assert {p.name: p.read_bytes() for p in keys.iterdir()} == before


def test_two_inits_make_different_keys(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    init_keys(a), init_keys(b)
    ra, rb = Keyring.load(a), Keyring.load(b)
    assert ra.kek(ra.primary_id) != rb.kek(rb.primary_id)
    assert ra.index_key != rb.index_key


def test_missing_folder(tmp_path: Path) -> None:
    d = tmp_path / "nope"
    msg = load_error(d)
    assert "missing" in msg and str(d) in msg


def test_folder_is_a_file(tmp_path: Path) -> None:
    d = tmp_path / "keys"
    d.write_bytes(b"")
    assert "not a directory" in load_error(d)


@pytest.mark.parametrize("loose", [0o750, 0o705, 0o755, 0o777])
def test_loose_folder_permissions(keys: Path, loose: int) -> None:
    os.chmod(keys, loose)
    msg = load_error(keys)
    assert "keys folder" in msg and f"{loose:04o}" in msg and "0700" in msg and str(keys) in msg


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o644, 0o660])
def test_loose_kek_permissions(keys: Path, loose: int) -> None:
    kek = next(keys.glob("*.kek"))
    os.chmod(kek, loose)
    msg = load_error(keys)
    assert "key file" in msg and f"{loose:04o}" in msg and "0600" in msg and str(kek) in msg


def test_loose_index_key_permissions(keys: Path) -> None:
    os.chmod(keys / INDEX_KEY_FILE, 0o644)
    msg = load_error(keys)
    assert "blind-index key" in msg and str(keys / INDEX_KEY_FILE) in msg


def test_tighter_modes_are_fine(keys: Path) -> None:
    for p in keys.iterdir():
        os.chmod(p, 0o400)
    Keyring.load(keys)


@pytest.mark.parametrize("length", [0, 31, 33, 44])
def test_wrong_kek_length(keys: Path, length: int) -> None:
    kek = next(keys.glob("*.kek"))
    kek.write_bytes(b"k" * length)
    msg = load_error(keys)
    assert f"is {length} bytes, expected 32" in msg and str(kek) in msg


def test_wrong_index_key_length(keys: Path) -> None:
    (keys / INDEX_KEY_FILE).write_bytes(b"short")
    msg = load_error(keys)
    assert "blind-index key" in msg and "expected 32" in msg


def test_missing_primary(keys: Path) -> None:
    (keys / PRIMARY_FILE).unlink()
    msg = load_error(keys)
    assert "primary marker missing" in msg and str(keys / PRIMARY_FILE) in msg


def test_dangling_primary(keys: Path) -> None:
    ring = Keyring.load(keys)
    (keys / (ring.primary_id + ".kek")).unlink()
    msg = load_error(keys)
    assert "primary marker" in msg and ring.primary_id in msg and "does not exist" in msg


def test_garbage_primary(keys: Path) -> None:
    (keys / PRIMARY_FILE).write_text("../../etc/passwd\n")
    assert "valid key id" in load_error(keys)


def test_missing_index_key(keys: Path) -> None:
    (keys / INDEX_KEY_FILE).unlink()
    msg = load_error(keys)
    assert "blind-index key missing" in msg and str(keys / INDEX_KEY_FILE) in msg


def test_malformed_kek_file_name(keys: Path) -> None:
    bad = keys / "mykey.kek"
    bad.write_bytes(bytes(32))
    os.chmod(bad, 0o600)
    msg = load_error(keys)
    assert "malformed key id" in msg and str(bad) in msg


def test_unknown_kek_is_keyring_error(keys: Path) -> None:
    ring = Keyring.load(keys)
    with pytest.raises(KeyringError, match="unknown key-encryption key"):
        ring.kek("kek-20000101T000000-0000")


def test_repr_hides_key_bytes(keys: Path) -> None:
    ring = Keyring.load(keys)
    text = repr(ring) + str(ring)
    for secret in [ring.kek(ring.primary_id), ring.index_key]:
        assert secret.hex() not in text and repr(secret) not in text


def test_rotate_and_retire(keys: Path) -> None:
    first = Keyring.load(keys).primary_id
    second = rotate(keys)
    assert second != first and second[:19] >= first[:19]  # ids sort by creation time
    ring = Keyring.load(keys)
    assert ring.primary_id == second and set(ring.kek_ids) == {first, second}
    assert ring.kek_ids == sorted(ring.kek_ids)
    assert all(mode(p) == 0o600 for p in keys.iterdir()) and mode(keys) == 0o700
    with pytest.raises(KeyringError, match="primary"):
        retire(keys, second)
    with pytest.raises(KeyringError, match="unknown"):
        retire(keys, "kek-20000101T000000-0000")
    retire(keys, first)
    ring = Keyring.load(keys)
    assert ring.kek_ids == [second] and not (keys / (first + ".kek")).exists()
    assert not [p for p in keys.iterdir() if p.name.startswith(".tmp-")]


def test_rotate_refuses_a_broken_folder(keys: Path) -> None:
    os.chmod(keys, 0o755)
    with pytest.raises(KeyringError, match="looser"):
        rotate(keys)
    assert len(list(keys.glob("*.kek"))) == 1


def test_many_rotations_give_unique_ids(keys: Path) -> None:
    ids = [rotate(keys) for _ in range(20)]
    assert len(set(ids)) == 20
    ring = Keyring.load(keys)
    assert ring.primary_id == ids[-1] and len(ring.kek_ids) == 21


def test_loose_primary_marker(keys: Path) -> None:
    os.chmod(keys / PRIMARY_FILE, 0o666)
    msg = load_error(keys)
    assert "primary marker" in msg and "0666" in msg and str(keys / PRIMARY_FILE) in msg


def test_retire_a_read_only_key(keys: Path) -> None:
    first = Keyring.load(keys).primary_id
    rotate(keys)
    os.chmod(keys / (first + ".kek"), 0o400)
    retire(keys, first)
    assert first not in Keyring.load(keys).kek_ids


def test_stale_temp_files_are_ignored(keys: Path) -> None:
    junk = keys / ".tmp-primary-deadbeef"
    junk.write_bytes(b"half")
    os.chmod(junk, 0o600)
    Keyring.load(keys)
