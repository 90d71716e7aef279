"""saline.crypto: RSA identities, PSS signatures, OAEP key transport, AES-GCM, fingerprints."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline import crypto
from saline.crypto import CryptoError

KEY = crypto.generate_private_key()
OTHER = crypto.generate_private_key()


def test_key_pair_files_private_is_0600(tmp_path):
    key = crypto.write_key_pair(str(tmp_path / "pki"), "minion")
    pem = tmp_path / "pki" / "minion.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "pki").st_mode) == 0o700
    pub = (tmp_path / "pki" / "minion.pub").read_bytes()
    assert pub.startswith(b"-----BEGIN PUBLIC KEY-----")
    loaded = crypto.load_or_create_key_pair(str(tmp_path / "pki"), "minion")
    assert crypto.public_pem(loaded) == crypto.public_pem(key) == pub
    assert loaded.key_size == 2048 and loaded.public_key().public_numbers().e == 65537


def test_load_or_create_fixes_loose_mode(tmp_path):
    crypto.write_key_pair(str(tmp_path), "m")
    os.chmod(tmp_path / "m.pem", 0o644)
    crypto.load_or_create_key_pair(str(tmp_path), "m")
    assert stat.S_IMODE(os.stat(tmp_path / "m.pem").st_mode) == 0o600


def test_small_keys_refused():
    with pytest.raises(CryptoError):
        crypto.generate_private_key(1024)
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(CryptoError, match="2048"):
        crypto.load_public_key(crypto.public_pem(weak))
    with pytest.raises(CryptoError):
        crypto.load_public_key(b"not a key")


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=2000))
def test_sign_verify_and_tampering(data):
    sig = crypto.sign(KEY, data)
    assert crypto.verify(KEY.public_key(), sig, data)
    assert not crypto.verify(OTHER.public_key(), sig, data)
    assert not crypto.verify(KEY.public_key(), sig, data + b"x")
    flipped = bytes([sig[0] ^ 1]) + sig[1:]
    assert not crypto.verify(KEY.public_key(), flipped, data)
    assert not crypto.verify(KEY.public_key(), None, data)


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=0, max_size=190))
def test_oaep_round_trip(data):
    blob = crypto.rsa_encrypt(KEY.public_key(), data)
    assert crypto.rsa_decrypt(KEY, blob) == data
    with pytest.raises(CryptoError):
        crypto.rsa_decrypt(OTHER, blob)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4096), st.binary(max_size=64), st.integers(min_value=0))
def test_aes_gcm_round_trip_and_tampering(data, aad, pos):
    key = crypto.new_aes_key()
    blob = crypto.aes_encrypt(key, data, aad)
    assert len(blob) == 12 + len(data) + 16
    assert crypto.aes_decrypt(key, blob, aad) == data
    i = pos % len(blob)
    tampered = blob[:i] + bytes([blob[i] ^ 0x01]) + blob[i + 1:]
    with pytest.raises(CryptoError):
        crypto.aes_decrypt(key, tampered, aad)
    with pytest.raises(CryptoError):
        crypto.aes_decrypt(key, blob, aad + b"!")
    with pytest.raises(CryptoError):
        crypto.aes_decrypt(crypto.new_aes_key(), blob, aad)


def test_aes_nonces_are_fresh():
    key = crypto.new_aes_key()
    nonces = {crypto.aes_encrypt(key, b"same")[:12] for _ in range(200)}
    assert len(nonces) == 200


def test_fingerprint_is_sha256_of_der():
    from cryptography.hazmat.primitives import serialization

    der = KEY.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    expected = hashlib.sha256(der).hexdigest()
    finger = crypto.fingerprint(crypto.public_pem(KEY))
    assert finger.replace(":", "") == expected
    assert len(finger.split(":")) == 32
    assert crypto.fingerprint(KEY) == finger
    assert crypto.fingerprint(OTHER) != finger
