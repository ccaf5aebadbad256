"""Ticket codes: Ed25519-signed, compact, no personal data; and their QR images.

A code is "K" + base64url(payload + signature) where the payload is a version byte and
the event and registration ids as varints. A scanner holding only the public key can
tell a genuine ticket offline; ~93 characters for ids below 16384.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PREFIX = "K"
VERSION = 1
SIGNATURE_SIZE = 64
ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class TicketId:
    event_id: int
    registration_id: int


class TicketError(ValueError):
    """A code that is garbled, truncated, forged or signed by another key."""


def private_key(secret_key: str, ticket_key: bytes | None = None) -> Ed25519PrivateKey:
    """The explicit key if set, else one derived from the site secret (stable across restarts)."""
    if ticket_key is None:
        ticket_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kaigi-tickets",
                          info=b"ed25519 ticket key v1").derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(ticket_key)


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(5):
        if pos >= len(data):
            raise TicketError("truncated")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise TicketError("malformed number")


def sign(key: Ed25519PrivateKey, event_id: int, registration_id: int) -> str:
    payload = bytes([VERSION]) + _varint(event_id) + _varint(registration_id)
    raw = payload + key.sign(payload)
    return PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify(public: Ed25519PublicKey | bytes, code: str) -> TicketId:
    if isinstance(public, bytes):
        public = Ed25519PublicKey.from_public_bytes(public)
    if not isinstance(code, str) or not code.startswith(PREFIX) or len(code) > 200:
        raise TicketError("not a kaigi ticket")
    body = code[len(PREFIX):].strip()
    if not ALPHABET.fullmatch(body):
        # base64 would read "+" and "/" as "-" and "_": one ticket, many spellings.
        raise TicketError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise TicketError("garbled") from None
    if len(raw) < 3 + SIGNATURE_SIZE or raw[0] != VERSION:
        raise TicketError("truncated or unknown version")
    payload, signature = raw[:-SIGNATURE_SIZE], raw[-SIGNATURE_SIZE:]
    event_id, pos = _read_varint(payload, 1)
    registration_id, pos = _read_varint(payload, pos)
    if pos != len(payload):
        raise TicketError("malformed")
    try:
        public.verify(signature, payload)
    except InvalidSignature:
        raise TicketError("bad signature (forged, or signed by another key)") from None
    return TicketId(event_id, registration_id)


def _qr(code: str) -> qrcode.QRCode:
    # A fixed mask saves ~3x the time of choosing one; error level M suits a phone screen.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4,
                       mask_pattern=2)
    qr.add_data(code)
    qr.make(fit=True)
    return qr


@lru_cache(maxsize=1024)
def qr_png(code: str) -> bytes:
    """Drawn when a page or mail asks, never on the registration path; cached."""
    buffer = io.BytesIO()
    _qr(code).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=256)
def qr_svg(code: str) -> bytes:
    buffer = io.BytesIO()
    _qr(code).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()
