"""Near-duplicate text and shared identity numbers, as keys an index can look up.

Near-identical postings: the text (title and description) is normalised (NFKC, lower case,
punctuation and spaces dropped) and cut into overlapping three-character shingles; its
MinHash signature (64 permutations, a fixed seed, so every process computes the same one) is
cut into 16 bands of 4 rows, and each band is one key (``LSH banding``). Two texts whose
shingle sets overlap by a Jaccard similarity s share at least one band key with probability
1 - (1 - s^4)^16: 0.988 at s = 0.7, 0.9998 at 0.8, 0.64 at 0.5, 0.02 at 0.2. A shared band
only makes two postings candidates; ``similarity`` then compares the shingle sets exactly.

Shared identity numbers: a mobile phone number (digits only, a leading +86/0086 dropped, 11
digits starting with 1) and a certificate number (NFKC, upper case, spaces and dashes
dropped, six characters or more of which four digits) are each hashed to one key; two
profiles sharing a key share that number. The keys are unsalted SHA-256: they keep the number
out of search results and logs, but an 11-digit mobile number can be found again from its
key by trying them all, so they are as sensitive as the contact details they sit beside.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

from datasketch import MinHash

SHINGLE = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SEED = 20261207
# Band keys are stored: the permutation scheme is named so a library upgrade cannot change
# them silently (a changed scheme needs a migration that recomputes dup_bands).
SCHEME = "affine32"
# Postings whose shingle sets overlap this much are "near-identical": a wage or a date
# changed, a sentence added or dropped. Chosen on the dev split of the blind pairs in
# benchmarks/data/duplicate_pairs.jsonl (best F1 of 0.6-0.9; short texts fall fast: one
# changed figure in a 30-character posting costs 0.2); see docs/benchmarks.md.
NEAR_IDENTICAL = 0.7
_PERMS = MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME).permutations


def normalise(text: str) -> str:
    """Letters, digits and CJK characters only, NFKC-folded and lower-cased."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def shingles(text: str) -> set[str]:
    """The overlapping three-character pieces of the normalised text (the text itself when
    it is shorter)."""
    norm = normalise(text)
    if len(norm) <= SHINGLE:
        return {norm} if norm else set()
    return {norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}


def band_keys(text: str) -> list[str]:
    """The LSH band keys of the text (none for an empty text)."""
    pieces = shingles(text)
    if not pieces:
        return []
    sig = MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME, permutations=_PERMS)
    sig.update_batch([p.encode() for p in sorted(pieces)])
    values = sig.hashvalues
    keys = []
    for band in range(BANDS):
        rows = values[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append(f"{band}:{hashlib.blake2b(rows, digest_size=8).hexdigest()}")
    return keys


def similarity(a: str, b: str) -> float:
    """The Jaccard similarity of the two texts' shingle sets (1.0 for two empty texts)."""
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _key(kind: str, value: str) -> str:
    return f"{kind}:" + hashlib.sha256(f"{kind}|{value}".encode()).hexdigest()[:32]


def phone_key(phone: str | None) -> str | None:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
            break
    # Mobile numbers only: a landline is an employer's switchboard or a family's, shared.
    return _key("phone", digits) if len(digits) == 11 and digits.startswith("1") else None


def certificate_number_key(number: str | None) -> str | None:
    folded = unicodedata.normalize("NFKC", number or "").upper()
    cleaned = "".join(ch for ch in folded if ch.isalnum())
    # A number, not a placeholder such as 证书编号待补充: six characters, four of them digits.
    digits = sum(ch.isdigit() for ch in cleaned)
    return _key("cert", cleaned) if len(cleaned) >= 6 and digits >= 4 else None


_NAME_DOTS = str.maketrans({"•": "·", "‧": "·", "∙": "·", "．": "·", ".": "·", "・": "·"})


def name_key(name: str | None) -> str | None:
    """The key of a person's name as a clerk would type it again: width folded, spaces gone,
    the middle dot of names such as 阿不都·热合曼 in one form. Two characters at least."""
    folded = unicodedata.normalize("NFKC", name or "").translate(_NAME_DOTS)
    cleaned = "".join(folded.split()).casefold()
    return _key("name", cleaned) if len(cleaned) >= 2 else None


def identity_keys(phone: str | None, certificate_numbers: Iterable[str | None]) -> list[str]:
    """The keys of a profile's phone and certificate numbers, sorted, each once."""
    keys = {phone_key(phone), *(certificate_number_key(n) for n in certificate_numbers)}
    return sorted(k for k in keys if k)
