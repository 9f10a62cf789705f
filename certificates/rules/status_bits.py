"""The bitstring of a W3C Bitstring Status List (revocation), encoded as the spec says.

A list of at least 131,072 bits (16 KiB, so that one certificate's bit hides among many);
bit `i` is the i-th from the left: the most significant bit of byte `i // 8` is index 0.
`encodedList` is the bitstring GZIP-compressed, then base64url without padding, with the
multibase prefix "u". Compression is deterministic (no timestamp in the GZIP header), so the
same revocations always give the same text.
"""

import base64
import gzip

MIN_BITS = 131_072


def size_for(highest_index: int | None) -> int:
    """Bits in a list holding indexes up to `highest_index`: a multiple of MIN_BITS."""
    needed = (highest_index or 0) + 1
    return max(MIN_BITS, -(-needed // MIN_BITS) * MIN_BITS)


def bitstring(revoked, size: int) -> bytes:
    """The raw bits: set at every index of `revoked` (indexes below `size`)."""
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode(revoked, size: int) -> str:
    """`encodedList`: multibase base64url (no padding) of the GZIP of the bitstring."""
    compressed = gzip.compress(bitstring(revoked, size), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The raw bits of an `encodedList`."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    """Whether bit `index` of a raw bitstring is set (revoked)."""
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
