"""Verdict records through the real CLI: attest writes them, verify re-checks them and
lists every difference, and a signed record is a DSSE envelope that in-toto and
securesystemslib verify (keys made by `openssl genpkey` in each test)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import PACK, order_text, write

LOW = ("utilization: 0.93", "utilization: 0.5")
WAIVERS = """\
waivers:
  - id: W-1
    rule: need-justification
    orders: [T-2]
    reason: Regulator letter allows this research order.
    owner: compliance@example.com
    approved_by: Head of Trade Compliance
    reference: NDRC-LTR-2026-0412
    expires: 2026-12-31
"""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An orders directory (one passing, one failing, one waived) and a waivers file."""
    write(tmp_path / "orders", "a.yaml", order_text())
    write(tmp_path / "orders", "b.yaml", order_text(("T-1", "T-2"), LOW))
    write(tmp_path / "orders", "c.yaml", order_text(("T-1", "T-3"), LOW))
    write(tmp_path, "waivers.yaml", WAIVERS)
    return tmp_path


def attest(cli: Any, *extra: str, output: str = "record.json") -> Any:
    return cli(
        "attest", "orders", "--waivers", "waivers.yaml", "--as-of", "2026-12-01",
        "--output", output, *extra,
    )  # fmt: skip


def test_the_record_is_an_in_toto_statement_of_the_files_pack_waivers_and_verdicts(
    cli: Any, work: Path
) -> None:
    run = attest(cli)
    assert run.code == 1  # c.yaml fails: a record of failing orders is still written
    assert "wrote record.json: 3 order files, 2 pass, 1 fail, 0 error" in run.out
    record = json.loads((work / "record.json").read_bytes())
    assert record["_type"] == "https://in-toto.io/Statement/v1"
    assert record["predicateType"] == "https://chipcheck.dev/attestation/verdicts/v1"
    assert record["subject"] == [
        {
            "name": f"orders/{name}",
            "digest": {"sha256": hashlib.sha256((work / "orders" / name).read_bytes()).hexdigest()},
        }
        for name in ("a.yaml", "b.yaml", "c.yaml")
    ]
    predicate = record["predicate"]
    assert predicate["as_of"] == "2026-12-01"
    assert predicate["paths"] == ["orders"]
    assert predicate["rulepack"]["name"] == "cn-h200-2026"
    assert predicate["waivers"]["file"] == "waivers.yaml"
    waivers_digest = hashlib.sha256((work / "waivers.yaml").read_bytes()).hexdigest()
    assert predicate["waivers"]["sha256"] == waivers_digest
    assert [w["id"] for w in predicate["waivers"]["applied"]] == ["W-1"]
    assert predicate["waivers"]["applied"][0]["reference"] == "NDRC-LTR-2026-0412"
    verdicts = {o["file"]: o["verdict"] for o in predicate["orders"]}
    assert verdicts == {"orders/a.yaml": "pass", "orders/b.yaml": "pass", "orders/c.yaml": "fail"}
    b = next(o for o in predicate["orders"] if o["file"] == "orders/b.yaml")
    need = next(r for r in b["results"] if r["rule"] == "need-justification")
    assert need == {"rule": "need-justification", "status": "waived", "waiver": "W-1"}
    assert predicate["summary"] == {"orders": 3, "pass": 2, "fail": 1, "error": 0, "waived": 1}


def test_the_same_inputs_and_date_give_the_same_bytes(cli: Any, work: Path) -> None:
    attest(cli)
    attest(cli, output="again.json")
    first = (work / "record.json").read_bytes()
    assert first == (work / "again.json").read_bytes()
    assert first.isascii() and first.endswith(b"}\n")
    attest(cli, "--as-of", "2026-12-02", output="later.json")
    assert (work / "later.json").read_bytes() != first


def test_verify_reproduces_an_unchanged_record(cli: Any, work: Path) -> None:
    attest(cli)
    run = cli("verify", "record.json")
    assert run.code == 0, run.out + run.err
    assert "record.json: reproduces as of 2026-12-01: 3 order files" in run.out


def test_verify_judges_as_of_the_recorded_date(cli: Any, work: Path) -> None:
    attest(cli)
    # Long after the waiver expired, the record still reproduces: it was true then.
    assert cli("verify", "record.json").code == 0
    now = cli("check", "orders", "--waivers", "waivers.yaml", "--as-of", "2027-06-01")
    assert now.code == 1 and "expired on 2026-12-31" in now.out


def differences(run: Any) -> list[str]:
    return [line.removeprefix("differs: ") for line in run.out.splitlines() if "differs:" in line]


def test_verify_reports_every_changed_added_and_missing_file(cli: Any, work: Path) -> None:
    attest(cli)
    (work / "orders" / "a.yaml").write_text(order_text(("units: 8000\n", "units: 8001\n")))
    (work / "orders" / "c.yaml").unlink()
    write(work / "orders", "d.yaml", order_text(("T-1", "T-4")))
    run = cli("verify", "record.json")
    assert run.code == 1
    found = differences(run)
    assert found[0].startswith("orders/a.yaml: changed (sha256 ")
    assert found[1].startswith("orders/c.yaml: missing (recorded with sha256 ")
    assert found[2] == "orders/d.yaml: added since the record"
    assert "record.json: " in run.out and "difference(s) as of 2026-12-01" in run.out


def test_verify_reports_a_changed_verdict(cli: Any, work: Path) -> None:
    attest(cli)
    (work / "orders" / "a.yaml").write_text(order_text(LOW))
    found = differences(cli("verify", "record.json"))
    assert 'predicate.orders[orders/a.yaml].verdict: recorded "pass", now "fail"' in found
    assert (
        "predicate.orders[orders/a.yaml].results[need-justification].status: "
        'recorded "pass", now "fail"'
    ) in found


def test_verify_reports_a_changed_pack_waivers_file_and_chipcheck_version(
    cli: Any, work: Path
) -> None:
    attest(cli)
    shutil.copytree(PACK, work / "pack")
    meta = work / "pack" / "pack.yaml"
    meta.write_text(meta.read_text().replace("version: 2026.4.0", "version: 2026.4.1"))
    found = differences(cli("verify", "record.json", "--rules", "pack"))
    assert found[0].startswith("predicate.rulepack.sha256: recorded ")
    assert found[1:] == [
        'predicate.rulepack.source: recorded "cn-h200-2026", now "pack"',
        'predicate.rulepack.version: recorded "2026.4.0", now "2026.4.1"',
    ]

    (work / "waivers.yaml").write_text(WAIVERS.replace("NDRC-LTR-2026-0412", "NDRC-LTR-2026-0413"))
    found = differences(cli("verify", "record.json"))
    assert found == [
        "predicate.waivers.applied[W-1].reference: recorded "
        '"NDRC-LTR-2026-0412", now "NDRC-LTR-2026-0413"',
        found[1],
    ]
    assert found[1].startswith("predicate.waivers.sha256: recorded ")
    (work / "waivers.yaml").write_text(WAIVERS)

    record = json.loads((work / "record.json").read_text())
    record["predicate"]["chipcheck"]["version"] = "0.0.1"
    (work / "old.json").write_text(json.dumps(record))
    found = differences(cli("verify", "old.json"))
    assert len(found) == 1 and found[0].startswith(
        'predicate.chipcheck.version: recorded "0.0.1", now '
    )


def test_a_file_name_that_is_not_utf8_is_recorded_escaped_and_verifies(
    cli: Any, work: Path
) -> None:
    name = os.fsdecode(b"bd-\xff.yaml")  # a byte no UTF-8 text holds
    write(work / "orders", name, order_text(("T-1", "T-9")))
    run = attest(cli)
    assert run.code == 1, run.err
    raw = (work / "record.json").read_bytes()
    assert raw.isascii()
    names = [s["name"] for s in json.loads(raw)["subject"]]
    assert "orders/bd-\\xff.yaml" in names
    assert cli("verify", "record.json").code == 0


def test_verify_refuses_what_is_not_a_record(cli: Any, work: Path) -> None:
    (work / "bad.json").write_text('{"_type": "https://in-toto.io/Statement/v1"}')
    run = cli("verify", "bad.json")
    assert run.code == 2 and "not a chipcheck verdict record" in run.err
    (work / "junk.json").write_text("{")
    assert cli("verify", "junk.json").code == 2
    assert cli("verify", "absent.json").code == 2


def test_attest_writes_over_no_input(cli: Any, work: Path) -> None:
    run = attest(cli, output="orders/a.yaml")
    assert run.code == 2 and "is an input of this run" in run.err
    assert (work / "orders" / "a.yaml").read_text() == order_text()


def keys(work: Path, name: str, algorithm: str = "ed25519") -> tuple[Path, Path]:
    """A private and a public key in PEM, as `openssl genpkey` writes them."""
    private, public = work / f"{name}.pem", work / f"{name}.pub.pem"
    options = ["-algorithm", "ed25519"]
    if algorithm == "p256":
        options = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    subprocess.run(["openssl", "genpkey", *options, "-out", private], check=True)
    subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True)
    return private, public


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@needs_openssl
@pytest.mark.parametrize("algorithm", ["ed25519", "p256"])
def test_a_signed_record_is_a_dsse_envelope_that_in_toto_verifies(
    cli: Any, work: Path, algorithm: str
) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from in_toto.models.metadata import Envelope, Metadata
    from securesystemslib.signer import SSlibKey

    private, public = keys(work, "buyer", algorithm)
    run = attest(cli, "--sign-key", private.name)
    assert "signed with buyer.pem (DSSE)" in run.out
    good = cli("verify", "record.json", "--key", public.name)
    assert good.code == 0, good.out + good.err
    assert "signature: good, by the key buyer.pub.pem" in good.out

    # The standard tools read and verify it with the public key alone.
    key = SSlibKey.from_crypto(load_pem_public_key(public.read_bytes()))
    envelope = Metadata.load(str(work / "record.json"))
    assert isinstance(envelope, Envelope)
    assert envelope.payload_type == "application/vnd.in-toto+json"
    envelope.verify_signature({**key.to_dict(), "keyid": key.keyid})
    statement = json.loads(envelope.payload)
    assert statement["predicateType"] == "https://chipcheck.dev/attestation/verdicts/v1"
    attest(cli, output="plain.json")
    assert envelope.payload == (work / "plain.json").read_bytes()


@needs_openssl
def test_a_tampered_or_foreign_signed_record_fails(cli: Any, work: Path) -> None:
    private, public = keys(work, "buyer")
    _, stranger = keys(work, "stranger")
    attest(cli, "--sign-key", private.name)
    record = work / "record.json"
    foreign = differences(cli("verify", "record.json", "--key", stranger.name))
    assert any("no signature by" in d for d in foreign)
    envelope = json.loads(record.read_bytes())
    statement = base64.b64decode(envelope["payload"]).replace(b'"fail"', b'"pass"', 1)
    envelope["payload"] = base64.b64encode(statement).decode()
    record.write_text(json.dumps(envelope))
    tampered = cli("verify", "record.json", "--key", public.name)
    assert tampered.code == 1
    found = differences(tampered)
    assert "no signature by buyer.pub.pem matches the record" in found[0]
    assert any('recorded "pass", now "fail"' in d for d in found[1:])

    attest(cli, output="plain.json")
    unsigned = cli("verify", "plain.json", "--key", public.name)
    assert unsigned.code == 1
    assert "plain.json is not signed" in differences(unsigned)[0]


def test_signing_with_what_is_not_a_key_writes_nothing(cli: Any, work: Path) -> None:
    write(work, "key.pem", "not a key\n")
    run = attest(cli, "--sign-key", "key.pem")
    assert run.code == 2 and "key.pem: not an unencrypted private key" in run.err
    assert not (work / "record.json").exists()


def test_attest_with_no_order_file_writes_nothing(cli: Any, work: Path) -> None:
    run = cli("attest", "ordres", "--output", "record.json")
    assert run.code == 2
    assert "no order file to attest under ordres" in run.err
    assert not (work / "record.json").exists()


def test_verify_refuses_a_malformed_record_with_its_position(cli: Any, work: Path) -> None:
    (work / "deep.json").write_text("[" * 10_000 + "]" * 10_000)
    deep = cli("verify", "deep.json")
    assert deep.code == 2 and "deep.json: not a verdict record: nested too deep" in deep.err
    (work / "cut.json").write_text('{"_type":\n  ')
    cut = cli("verify", "cut.json")
    assert cut.code == 2 and "cut.json:2:3: not a JSON record" in cut.err
    attest(cli)
    record = json.loads((work / "record.json").read_bytes())
    del record["predicate"]["rulepack"]
    record["predicate"]["paths"] = []
    (work / "nopack.json").write_text(json.dumps(record))
    nopack = cli("verify", "nopack.json")
    assert nopack.code == 2 and "predicate.rulepack: not an object" in nopack.err
    assert "predicate.paths: not a list of one or more paths" in nopack.err


def test_verify_uses_the_pack_the_record_names(cli: Any, work: Path) -> None:
    shutil.copytree(PACK.parent / "us-bis-h200-2026", work / "us")
    example = min((PACK.parent.parent / "examples" / "us-orders").iterdir())
    write(work / "us-orders", "a.yaml", example.read_text(encoding="utf-8"))
    made = cli("attest", "us-orders", "--rules", "us", "--output", "us.json")
    assert made.code in (0, 1), made.err
    assert cli("verify", "us.json").code == 0
    shutil.rmtree(work / "us")
    missing = cli("verify", "us.json")
    assert missing.code == 2
    assert "the record's rule pack us is missing: restore it, or give another" in missing.err


# What verify re-runs with, rather than what it recomputes: an edit to these is a
# different, true claim when the verdicts reproduce; a signature covers them.
INPUTS = {("predicate", "as_of"), ("predicate", "paths"), ("predicate", "enforce_proposed")}


def _places(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and item path of a JSON value, leaves and containers alike."""
    found = [at] if at else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _places(item, (*at, index))
    return [p for p in found if p[:2] not in INPUTS]


def _edited(record: Any, place: tuple[Any, ...], how: int) -> Any:
    edited = json.loads(json.dumps(record))
    parent = edited
    for step in place[:-1]:
        parent = parent[step]
    last, value = place[-1], parent[place[-1]]
    if how == 0 and isinstance(parent, list):  # an entry written twice
        parent.insert(last, json.loads(json.dumps(value)))
    elif how == 1:  # removed
        del parent[last]
    elif isinstance(value, bool):
        parent[last] = not value
    elif isinstance(value, int):
        parent[last] = value + 1
    elif isinstance(value, str):
        parent[last] = value + "x"
    else:  # null, or a container replaced by a value
        parent[last] = "x"
    return edited


def test_any_single_edit_of_a_record_is_a_difference(cli: Any, work: Path) -> None:
    """Property: remove, duplicate or change any one field or entry of a valid record
    (what verify re-runs with aside), and verify exits non-zero."""
    attest(cli)
    record = json.loads((work / "record.json").read_bytes())
    places = _places(record)

    @settings(max_examples=40)
    @given(st.sampled_from(places), st.integers(0, 2))
    def edit(place: tuple[Any, ...], how: int) -> None:
        edited = _edited(record, place, how)
        assume(edited != record)
        (work / "edited.json").write_text(json.dumps(edited))
        run = cli("verify", "edited.json")
        assert run.code != 0, (place, how, run.out)

    edit()


def test_verify_applies_no_waivers_where_the_record_names_none(cli: Any, work: Path) -> None:
    """A waivers file configured since the record was made is not the record's."""
    made = cli("attest", "orders", "--as-of", "2026-12-01", "--output", "record.json")
    assert made.code == 1, made.err
    write(work, "pyproject.toml", '[tool.chipcheck]\norders = "orders"\nwaivers = "waivers.yaml"\n')
    run = cli("verify", "record.json")
    assert run.code == 0, run.out + run.err
