"""The Bitstring Status List's encoding: bit order, size, GZIP + multibase base64url."""

import base64
import gzip

import pytest

from certificates.rules import status_bits


def test_index_zero_is_the_leftmost_bit_of_the_first_byte():
    bits = status_bits.bitstring([0, 9, 15], 16)
    assert bits == bytes([0b1000_0000, 0b0100_0001])


def test_a_list_is_at_least_16_kib_and_grows_by_whole_blocks():
    assert status_bits.size_for(None) == 131_072
    assert status_bits.size_for(131_071) == 131_072
    assert status_bits.size_for(131_072) == 2 * 131_072


def test_encoded_list_is_multibase_base64url_of_gzip_without_padding():
    encoded = status_bits.encode([3, 131_071], 131_072)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == 16 * 1024
    assert [i for i in range(len(raw) * 8) if status_bits.is_set(raw, i)] == [3, 131_071]
    assert status_bits.decode(encoded) == raw


def test_the_same_revocations_always_encode_the_same():
    assert status_bits.encode([5, 6], 131_072) == status_bits.encode([6, 5], 131_072)


def test_an_index_outside_the_list_is_refused():
    with pytest.raises(ValueError):
        status_bits.bitstring([16], 16)
    with pytest.raises(ValueError):
        status_bits.is_set(bytes(2), 16)
    with pytest.raises(ValueError):
        status_bits.decode("zabc")
