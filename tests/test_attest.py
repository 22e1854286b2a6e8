"""Verdict records through the real CLI: attest writes them, verify re-checks them, and
ssh-keygen signs and checks them (keys made by ssh-keygen in each test)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

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
    assert "orders/a.yaml: verdict pass, now fail" in found
    assert "orders/a.yaml: rule need-justification pass, now fail" in found


def test_verify_reports_a_changed_pack_waivers_file_and_chipcheck_version(
    cli: Any, work: Path
) -> None:
    attest(cli)
    shutil.copytree(PACK, work / "pack")
    meta = work / "pack" / "pack.yaml"
    meta.write_text(meta.read_text().replace("version: 2026.3.0", "version: 2026.3.1"))
    found = differences(cli("verify", "record.json", "--rules", "pack"))
    assert len(found) == 1 and found[0].startswith("rule pack: recorded cn-h200-2026 2026.3.0")
    assert "now cn-h200-2026 2026.3.1" in found[0]

    (work / "waivers.yaml").write_text(WAIVERS.replace("NDRC-LTR-2026-0412", "NDRC-LTR-2026-0413"))
    found = differences(cli("verify", "record.json"))
    assert len(found) == 1 and found[0].startswith("waivers: recorded waivers.yaml (sha256 ")
    (work / "waivers.yaml").write_text(WAIVERS)

    record = json.loads((work / "record.json").read_text())
    record["predicate"]["chipcheck"]["version"] = "0.0.1"
    (work / "old.json").write_text(json.dumps(record))
    found = differences(cli("verify", "old.json"))
    assert len(found) == 1 and found[0].startswith("chipcheck: recorded version 0.0.1, now ")


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


def keys(work: Path, name: str) -> Path:
    key = work / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_a_signed_record_verifies_and_a_tampered_one_fails(cli: Any, work: Path) -> None:
    key = keys(work, "buyer")
    allowed = write(
        work, "allowed_signers", f"compliance@buyer.example {key.with_suffix('.pub').read_text()}"
    )
    run = attest(cli, "--sign-key", str(key))
    assert "signed in record.json.sig" in run.out
    good = cli("verify", "record.json", "--allowed-signers", allowed)
    assert good.code == 0, good.out + good.err
    assert "signature: good, signed by compliance@buyer.example" in good.out

    record = work / "record.json"
    record.write_bytes(record.read_bytes().replace(b'"fail"', b'"pass"'))
    tampered = cli("verify", "record.json", "--allowed-signers", allowed)
    assert tampered.code == 1
    assert any("signature does not match the record" in d for d in differences(tampered))


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_a_record_signed_by_a_key_not_allowed_fails(cli: Any, work: Path) -> None:
    buyer, stranger = keys(work, "buyer"), keys(work, "stranger")
    allowed = write(
        work, "allowed_signers", f"compliance@buyer.example {buyer.with_suffix('.pub').read_text()}"
    )
    attest(cli, "--sign-key", str(stranger))
    run = cli("verify", "record.json", "--allowed-signers", allowed)
    assert run.code == 1
    assert any("the signing key is not in" in d for d in differences(run))
    (work / "record.json.sig").unlink()
    unsigned = cli("verify", "record.json", "--allowed-signers", allowed)
    assert unsigned.code == 1
    assert any("no signature record.json.sig" in d for d in differences(unsigned))
