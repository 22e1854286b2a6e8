"""Properties of the proof over random single edits of either bundled pack: every
order it shows is judged as shown by the engine, on a path of its own (the order
validated and checked like any generated order), and packs it calls equivalent
agree on generated orders."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.authoring.strategies import PackEdit, orders, pack_edits
from checker.judge.checking import Checker
from checker.pack.rulepack import RulePack, load_pack
from checker.proof.equivalence import changed, prove
from tests.conftest import PACK, REPO

US_PACK = REPO / "rules" / "us-bis-h200-2026"


def _load(directory: Path) -> RulePack:
    pack = load_pack(directory)
    assert not isinstance(pack, list), pack
    return pack


PACKS = {"cn": _load(PACK), "us": _load(US_PACK)}
EDITS = st.one_of(
    st.tuples(st.just("cn"), pack_edits(PACKS["cn"])),
    st.tuples(st.just("us"), pack_edits(PACKS["us"])),
)


def _outcomes(checker: Checker, document: dict[str, object]) -> dict[str, tuple[str, str]]:
    (outcome,) = checker.evaluate_documents([document])
    assert not isinstance(outcome, Exception), outcome
    return {r.rule: (r.status, r.message) for r in outcome}


@settings(max_examples=25)
@given(chosen=EDITS, data=st.data())
def test_shown_orders_flip_and_equivalence_holds_on_generated_orders(
    chosen: tuple[str, PackEdit], data: st.DataObject
) -> None:
    name, edit = chosen
    source = PACK if name == "cn" else US_PACK
    with tempfile.TemporaryDirectory() as scratch:
        edited = Path(scratch) / "pack"
        shutil.copytree(source, edited)
        edit.apply(edited)
        loaded = load_pack(edited)
    if isinstance(loaded, list):
        return  # an edit the pack refuses (a share above 1): nothing to compare
    old, new = Checker(PACKS[name]), Checker(loaded)
    proof = prove(old, new)
    assert proof.unsettled == ()
    for witness in proof.witnesses:
        if witness.earlier:
            continue  # earlier orders' totals: judged by the proof's own confirmation
        before, after = _outcomes(old, witness.order), _outcomes(new, witness.order)
        was = before.get(witness.rule, ("absent", ""))
        now = after.get(witness.rule, ("absent", ""))
        assert (was, now) == (
            (witness.old, witness.old_message),
            (witness.new, witness.new_message),
        )
        assert changed(*was[:1], *now[:1], was[1], now[1])
    if proof.equivalent:
        generated = orders(old.pack, new.pack)
        for _ in range(25):
            document = data.draw(generated)
            assert _outcomes(old, document) == _outcomes(new, document)
