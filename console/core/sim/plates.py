"""Deterministic, unique licence plates for simulated vehicles.

A plate is the city prefix (Bengbu: 皖C) and five characters: a letter then four
letters or digits. Vehicle ids map to plates through a fixed permutation, so
neighbouring ids get unrelated-looking plates and no two ids share one.
"""

from __future__ import annotations

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O, as on Chinese plates
_ALNUM = "0123456789" + _LETTERS
_SPACE = len(_LETTERS) * len(_ALNUM) ** 4
_MULTIPLIER = 1_000_003  # prime, coprime with the plate space
_OFFSET = 7_919_117


def plate_for(prefix: str, vehicle_id: int) -> str:
    """The plate of ``vehicle_id`` (unique for ids below about 32 million)."""
    if vehicle_id < 0:
        raise ValueError("vehicle ids are not negative")
    code = (vehicle_id * _MULTIPLIER + _OFFSET) % _SPACE
    chars: list[str] = []
    for _ in range(4):
        code, digit = divmod(code, len(_ALNUM))
        chars.append(_ALNUM[digit])
    chars.append(_LETTERS[code])
    return prefix + "".join(reversed(chars))


def operator_for(operators: tuple[str, ...], vehicle_id: int) -> str:
    """The company operating vehicle ``vehicle_id`` (stable per id)."""
    if not operators:
        return ""
    return operators[(vehicle_id * 2_654_435_761 >> 7) % len(operators)]
