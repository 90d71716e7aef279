"""Cryptography for the master/minion protocol (see docs/protocol.md and docs/security.md).

- Identities: RSA key pairs (2048+ bits, e=65537); the private key file is written 0600.
- Signatures: RSA-PSS with SHA-256 (MGF1-SHA256, maximum salt length).
- Key transport: RSA-OAEP with SHA-256 (publish and session keys sent to a minion).
- Bulk encryption: AES-256-GCM, a fresh random 96-bit nonce per message, with associated data that
  binds each ciphertext to its purpose (a request cannot be replayed as a reply or a publish).
- Fingerprints: SHA-256 of the DER public key, colon-separated hex pairs (Salt's ``master_finger``).

``cryptography`` is imported lazily so CLIs that never touch keys start fast.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from saline.errors import SalineError

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
AES_KEY_BYTES = 32
NONCE_BYTES = 12


class CryptoError(SalineError):
    """A key is invalid, a signature does not verify, or a ciphertext was tampered with."""


def generate_private_key(bits: int = KEY_BITS) -> Any:
    """A new RSA private key (at least 2048 bits, e=65537)."""
    if bits < 2048:
        raise CryptoError(f"RSA keys must have at least 2048 bits, not {bits}")
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=bits)


def private_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: Any) -> bytes:
    """The SubjectPublicKeyInfo PEM of a public key (or of a private key's public half)."""
    from cryptography.hazmat.primitives import serialization

    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes | str) -> Any:
    """Parse a PEM public key; CryptoError unless it is RSA with 2048+ bits and e=65537."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise CryptoError(f"invalid public key: {exc}") from None
    _check_rsa(key, rsa.RSAPublicKey)
    return key


def load_private_key(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    with open(path, "rb") as fh:
        data = fh.read()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CryptoError(f"{path}: invalid private key: {exc}") from None
    _check_rsa(key, rsa.RSAPrivateKey)
    return key


def _check_rsa(key: Any, kind: type) -> None:
    if not isinstance(key, kind):
        raise CryptoError("only RSA keys are accepted")
    numbers = key.public_numbers() if hasattr(key, "public_numbers") else key.public_key().public_numbers()
    if key.key_size < 2048 or numbers.e != PUBLIC_EXPONENT:
        raise CryptoError(f"RSA key must have 2048+ bits and e=65537 (got {key.key_size} bits, e={numbers.e})")


def write_key_pair(directory: str, name: str, bits: int = KEY_BITS) -> Any:
    """Create ``<name>.pem`` (mode 0600) and ``<name>.pub`` in ``directory``; returns the private key."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key = generate_private_key(bits)
    pem_path = os.path.join(directory, f"{name}.pem")
    tmp = f"{pem_path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem(key))
    os.chmod(tmp, 0o600)
    os.replace(tmp, pem_path)
    pub_path = os.path.join(directory, f"{name}.pub")
    with open(f"{pub_path}.tmp", "wb") as fh:
        fh.write(public_pem(key))
    os.replace(f"{pub_path}.tmp", pub_path)
    return key


def load_or_create_key_pair(directory: str, name: str, bits: int = KEY_BITS) -> Any:
    """The private key ``<directory>/<name>.pem``, generated on first use (private file forced to 0600)."""
    path = os.path.join(directory, f"{name}.pem")
    if not os.path.exists(path):
        return write_key_pair(directory, name, bits)
    os.chmod(path, 0o600)
    key = load_private_key(path)
    pub_path = os.path.join(directory, f"{name}.pub")
    if not os.path.exists(pub_path):
        with open(pub_path, "wb") as fh:
            fh.write(public_pem(key))
    return key


def sign(private_key: Any, data: bytes) -> bytes:
    """RSA-PSS-SHA256 signature of ``data``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    return private_key.sign(data, pss, hashes.SHA256())


def verify(public_key: Any, signature: Any, data: bytes) -> bool:
    """True when ``signature`` is a valid RSA-PSS-SHA256 signature of ``data`` by ``public_key``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if not isinstance(signature, bytes) or not isinstance(data, bytes):
        return False
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    try:
        public_key.verify(signature, data, pss, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _oaep() -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def rsa_encrypt(public_key: Any, data: bytes) -> bytes:
    """RSA-OAEP-SHA256 encryption (for keys: at most 190 bytes with a 2048-bit key)."""
    return public_key.encrypt(data, _oaep())


def rsa_decrypt(private_key: Any, data: Any) -> bytes:
    if not isinstance(data, bytes):
        raise CryptoError("RSA ciphertext must be bytes")
    try:
        return private_key.decrypt(data, _oaep())
    except ValueError:
        raise CryptoError("RSA decryption failed") from None


def new_aes_key() -> bytes:
    """A random AES-256 key."""
    return os.urandom(AES_KEY_BYTES)


def aes_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """AES-256-GCM: ``nonce (12 bytes) || ciphertext || tag (16 bytes)``, a fresh random nonce each call."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(key) != AES_KEY_BYTES:
        raise CryptoError("AES key must be 32 bytes")
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def aes_decrypt(key: bytes, blob: Any, aad: bytes = b"") -> bytes:
    """Decrypt :func:`aes_encrypt` output; CryptoError when the key, data or ``aad`` do not match."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not isinstance(blob, bytes) or len(blob) < NONCE_BYTES + 16:
        raise CryptoError("AES ciphertext too short")
    if len(key) != AES_KEY_BYTES:
        raise CryptoError("AES key must be 32 bytes")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise CryptoError("AES-GCM authentication failed (wrong key or tampered data)") from None


def fingerprint(pem: bytes | str | Any) -> str:
    """SHA-256 of the DER public key as ``aa:bb:...`` (Salt's ``master_finger`` / ``salt-key -f`` shape)."""
    from cryptography.hazmat.primitives import serialization

    key = load_public_key(pem) if isinstance(pem, bytes | str) else pem
    if hasattr(key, "private_bytes"):
        key = key.public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def key_id(material: bytes) -> str:
    """A short public name for a symmetric key (never reveals the key: a hash with a domain prefix)."""
    return hashlib.sha256(b"saline-key-id\0" + material).hexdigest()[:16]
