"""Key-encryption keys (KEKs) and the blind-index key on disk.

File layout of the keys folder (mode 0700):

    kek-20261124T203000-ab12.kek   32 raw random bytes, mode 0600 (one file per KEK)
    primary                        text: the id of the primary KEK + newline, mode 0600
    blind-index.key                32 raw random bytes, mode 0600

Any other file (README.md, .gitignore, editor leftovers) is ignored. KEK ids sort by
creation time; the 4 hex digits at the end keep two ids made in one second apart.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path

KEY_LENGTH = 32
KEK_SUFFIX = ".kek"
PRIMARY_FILE = "primary"
INDEX_KEY_FILE = "blind-index.key"
KEK_ID_RE = re.compile(r"kek-\d{8}T\d{6}-[0-9a-f]{4}")  # matched whole (fullmatch)


class KeyringError(Exception):
    """The keys folder is missing, unsafe or inconsistent. The message is one line."""


def _new_kek_id(keys_dir: Path) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    while True:
        key_id = f"kek-{stamp}-{secrets.token_hex(2)}"
        if not (keys_dir / (key_id + KEK_SUFFIX)).exists():
            return key_id


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write via temp file + fsync + rename so a crash never leaves a half-written key.

    With overwrite=False the final step is link(2), which fails instead of replacing an
    existing file: a key file is never silently clobbered.
    """
    tmp = path.with_name(f".tmp-{path.name}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask can only remove bits; make the mode exact
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    except FileExistsError:
        raise KeyringError(f"refusing to overwrite existing key file: {path}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _check_mode(path: Path, st: os.stat_result, limit: int, what: str) -> None:
    mode = stat.S_IMODE(st.st_mode)
    if mode & ~limit & 0o777:
        raise KeyringError(
            f"{what} {path} has mode {mode:04o}, looser than {limit:04o} (chmod {limit:o} {path})"
        )


def _read_key(path: Path, what: str) -> bytes:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyringError(f"{what} missing: {path}") from None
    if not stat.S_ISREG(st.st_mode):
        raise KeyringError(f"{what} {path} is not a regular file")
    _check_mode(path, st, 0o600, what)
    data = path.read_bytes()
    if len(data) != KEY_LENGTH:
        raise KeyringError(f"{what} {path} is {len(data)} bytes, expected {KEY_LENGTH}")
    return data


def _has_keys(keys_dir: Path) -> bool:
    return any(
        p.name.endswith(KEK_SUFFIX) or p.name in (PRIMARY_FILE, INDEX_KEY_FILE)
        for p in keys_dir.iterdir()
    )


def init_keys(keys_dir: Path) -> str:
    """Create the folder (0700), the first KEK (primary) and the blind-index key.

    An existing folder without keys (e.g. the checked-in keys/ with its README) is
    accepted and tightened to 0700. Refuses if any key material is already there.
    """
    keys_dir = Path(keys_dir)
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if _has_keys(keys_dir):
        raise KeyringError(f"keys already exist in {keys_dir}; refusing to initialise again")
    os.chmod(keys_dir, 0o700)
    key_id = _new_kek_id(keys_dir)
    _atomic_write(keys_dir / INDEX_KEY_FILE, secrets.token_bytes(KEY_LENGTH), overwrite=False)
    _atomic_write(keys_dir / (key_id + KEK_SUFFIX), secrets.token_bytes(KEY_LENGTH), overwrite=False)
    # The primary marker is written last: until it exists the folder does not load.
    _atomic_write(keys_dir / PRIMARY_FILE, (key_id + "\n").encode(), overwrite=False)
    return key_id


def rotate(keys_dir: Path) -> str:
    """Add a new KEK and make it primary; older KEKs stay for decryption only."""
    keys_dir = Path(keys_dir)
    Keyring.load(keys_dir)  # never rotate on top of a broken folder
    key_id = _new_kek_id(keys_dir)
    _atomic_write(keys_dir / (key_id + KEK_SUFFIX), secrets.token_bytes(KEY_LENGTH), overwrite=False)
    # A crash before this line leaves an extra non-primary KEK, which is harmless.
    _atomic_write(keys_dir / PRIMARY_FILE, (key_id + "\n").encode(), overwrite=True)
    return key_id


def retire(keys_dir: Path, key_id: str) -> None:
    """Delete a non-primary KEK. The caller must first check it protects nothing."""
    keys_dir = Path(keys_dir)
    ring = Keyring.load(keys_dir)
    if key_id == ring.primary_id:
        raise KeyringError(f"refusing to retire the primary key-encryption key {key_id}")
    if key_id not in ring.kek_ids:
        raise KeyringError(f"unknown key-encryption key {key_id!r} in {keys_dir}")
    path = keys_dir / (key_id + KEK_SUFFIX)
    # Best effort overwrite; on copy-on-write/SSD storage only unlink is meaningful.
    os.chmod(path, 0o600)  # a key an operator made read-only (0400) can still be retired
    with open(path, "r+b") as f:
        f.write(bytes(KEY_LENGTH))
        f.flush()
        os.fsync(f.fileno())
    path.unlink()
    _fsync_dir(keys_dir)


class Keyring:
    """A validated snapshot of the keys folder. Load again after rotate/retire."""

    __slots__ = ("_keks", "index_key", "kek_ids", "keys_dir", "primary_id")

    def __init__(self, keys_dir: Path, primary_id: str, keks: dict[str, bytes], index_key: bytes) -> None:
        if primary_id not in keks:
            raise KeyringError(f"primary key-encryption key {primary_id!r} is not in the keyring")
        self.keys_dir = Path(keys_dir)
        self.primary_id = primary_id
        self._keks = dict(keks)
        self.kek_ids: list[str] = sorted(keks)
        self.index_key = index_key

    def __repr__(self) -> str:  # never show key bytes
        return f"Keyring(keys_dir={str(self.keys_dir)!r}, primary_id={self.primary_id!r}, kek_ids={self.kek_ids!r})"

    def kek(self, key_id: str) -> bytes:
        try:
            return self._keks[key_id]
        except KeyError:
            raise KeyringError(f"unknown key-encryption key {key_id!r} in {self.keys_dir}") from None

    def has(self, key_id: str) -> bool:
        """This KEK is in the keyring (not retired)."""
        return key_id in self._keks

    @property
    def primary(self) -> bytes:
        return self._keks[self.primary_id]

    @classmethod
    def load(cls, keys_dir: Path) -> Keyring:
        """Start-up check: every problem is a KeyringError with one line naming it and the path."""
        keys_dir = Path(keys_dir)
        try:
            st = keys_dir.stat()
        except FileNotFoundError:
            raise KeyringError(f"keys folder missing: {keys_dir} (run `gateway keys init`)") from None
        if not stat.S_ISDIR(st.st_mode):
            raise KeyringError(f"keys folder {keys_dir} is not a directory")
        _check_mode(keys_dir, st, 0o700, "keys folder")

        keks: dict[str, bytes] = {}
        for path in sorted(keys_dir.iterdir()):
            if not path.name.endswith(KEK_SUFFIX):
                continue
            key_id = path.name[: -len(KEK_SUFFIX)]
            if not KEK_ID_RE.fullmatch(key_id):
                raise KeyringError(f"key file {path} has a malformed key id (expected kek-YYYYMMDDTHHMMSS-xxxx)")
            keks[key_id] = _read_key(path, "key file")

        primary_path = keys_dir / PRIMARY_FILE
        try:
            pst = primary_path.stat()
        except FileNotFoundError:
            raise KeyringError(f"primary marker missing: {primary_path}") from None
        _check_mode(primary_path, pst, 0o600, "primary marker")
        primary_id = primary_path.read_text(encoding="ascii", errors="replace").strip()
        if not KEK_ID_RE.fullmatch(primary_id):
            raise KeyringError(f"primary marker {primary_path} does not hold a valid key id")
        if primary_id not in keks:
            raise KeyringError(
                f"primary marker {primary_path} names {primary_id}, "
                f"but {keys_dir / (primary_id + KEK_SUFFIX)} does not exist"
            )

        index_key = _read_key(keys_dir / INDEX_KEY_FILE, "blind-index key")
        return cls(keys_dir, primary_id, keks, index_key)


def write_secret_file(path: Path, data: bytes) -> None:
    """Another kind of key in the keys folder (e.g. the DKIM signing key), under the same rules as
    the KEKs: file 0600 in a folder 0700, written atomically, never overwriting an existing one."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    _atomic_write(path, data, overwrite=False)


def read_secret_file(path: Path, what: str) -> bytes:
    """Read such a key, refusing a folder looser than 0700 or a file looser than 0600."""
    path = Path(path)
    try:
        folder = path.parent.stat()
    except FileNotFoundError:
        raise KeyringError(f"keys folder missing: {path.parent}") from None
    _check_mode(path.parent, folder, 0o700, "keys folder")
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyringError(f"{what} missing: {path}") from None
    if not stat.S_ISREG(st.st_mode):
        raise KeyringError(f"{what} {path} is not a regular file")
    _check_mode(path, st, 0o600, what)
    return path.read_bytes()
