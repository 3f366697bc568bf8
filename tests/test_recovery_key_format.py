"""Recovery keys and invitation tokens: the written form is checked, every way of copying it out
is accepted, a malformed or mistyped key is refused, and a key written down once keeps opening
the same keypair in every later release."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.orgs.service import open_with_recovery_key
from tests.conftest import Network

# Known answers: a key on paper (or an invitation link in someone's inbox) made by an earlier
# release must derive the same keypair, or the slots sealed to it can never be opened again.
PAPER_KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567-ABCD-EFGH-IJKL-MNOP"
PAPER_PUBLIC = "43cbbc07a33959d555960f7194cb7a7a32200fef75cb8767f192bead24a9dd05"
INVITATION_TOKEN = "pNTlq1OTO1dGyZLt2H1Rx8Jw2YUmZQ0EzC_zV-Ap8vY"
INVITATION_PUBLIC = "63fde845e80085606b53ae40b48a7646a7c3ef6fa4dc942806d31b0f74005107"

WRITTEN_FORM = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){11}")


def test_new_recovery_keys_are_twelve_groups_of_four_base32_letters() -> None:
    """What is printed for the administrator to write down: 12 groups of 4 from the base32
    alphabet (no 0, 1 or 8 to confuse with O, I or B), each key different."""
    keys = [crypto.new_recovery_key() for _ in range(50)]
    for key in keys:
        assert WRITTEN_FORM.fullmatch(key), key
        crypto.recovery_keypair(key)  # what is printed is accepted back
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    "written",
    [
        PAPER_KEY,
        PAPER_KEY.lower(),
        PAPER_KEY.replace("-", ""),
        PAPER_KEY.replace("-", " "),
        f"  {PAPER_KEY.replace('-', ' - ')}\n",
        "abcd efgh-IJKL mnop-QRSTUVWX-yz23 4567 ABCDEFGH ijkl-mnop",
    ],
)
def test_a_written_down_key_opens_the_same_keypair_in_every_release(written: str) -> None:
    """However the key is typed back (case, dashes, spaces, stray blanks around it), it stands
    for the very keypair the organisation's recovery slots were sealed to at creation."""
    assert crypto.recovery_keypair(written).public_key.hex() == PAPER_PUBLIC


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        PAPER_KEY.rsplit("-", 1)[0],  # a group left out
        f"{PAPER_KEY}-ABCD",  # a group too many
        PAPER_KEY[:-1],  # a letter left out
        PAPER_KEY.replace("IJKL", "IJK1", 1),  # 1 is not in the alphabet
        PAPER_KEY.replace("MNOP", "MN0P", 1),  # nor 0
        PAPER_KEY.replace("ABCD", "ABC8", 1),  # nor 8
        PAPER_KEY.replace("ABCD", "ABC=", 1),
        PAPER_KEY.rsplit("-", 2)[0],  # well-formed base32, but 25 bytes
        f"{PAPER_KEY}-QRST-UVWX",  # well-formed base32, but 35 bytes
        base64.b32encode(bytes(31)).decode(),  # well-formed base32, but 31 bytes
    ],
)
def test_a_malformed_recovery_key_is_refused_as_such(malformed: str) -> None:
    """A key of the wrong length or with a character outside the alphabet is refused as not a
    recovery key, rather than standing for some other keypair."""
    with pytest.raises(crypto.InvalidRecoveryKeyFormat) as refused:
        crypto.recovery_keypair(malformed)
    # The command line shows this to the person typing: it must say what is wrong.
    assert str(refused.value) == "not a recovery key"


def test_a_mistyped_recovery_key_opens_nothing(db: Session, network: Network) -> None:
    """One letter wrong gives a well-formed key that opens no slot: access is refused, never
    granted to a near miss."""
    real = network.recovery_keys[network.brazil.id]
    assert open_with_recovery_key(db, network.brazil, real) == network.key(network.brazil)
    position = 5
    typo = real[:position] + ("B" if real[position] != "B" else "C") + real[position + 1 :]
    assert typo != real and WRITTEN_FORM.fullmatch(typo)
    with pytest.raises(crypto.DecryptionFailed):
        open_with_recovery_key(db, network.brazil, typo)


def test_an_invitation_token_keeps_opening_the_same_keypair() -> None:
    """An invitation's key slots are sealed to the keypair its token stands for: a link sent
    before an upgrade must still open them after it."""
    keypair = crypto.token_keypair(INVITATION_TOKEN)
    assert keypair.public_key.hex() == INVITATION_PUBLIC
    assert crypto.public_key_of(keypair.private_key) == keypair.public_key
    assert keypair != crypto.token_keypair(crypto.new_token())
