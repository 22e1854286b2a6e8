"""Discovery (SPEC 1, v1.1): no order file is ever skipped in silence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import BASE_ORDER, order_text, write


def _order(order_id: str, units: int = 8000) -> str:
    return order_text(
        ("order_id: T-1", f"order_id: {order_id}"),
        ("    units: 8000\n  - model: huawei", f"    units: {units}\n  - model: huawei"),
        (
            "  - model: huawei-ascend-910c\n    units: 8000",
            f"  - model: huawei-ascend-910c\n    units: {units}",
        ),
    )


def _verdicts(run: Any) -> dict[str, str]:
    return {o["file"]: o["verdict"] for o in run.report["orders"]}


def test_every_letter_case_of_the_suffixes_is_an_order_file(cli: Any, tmp_path: Path) -> None:
    # 200,000 controlled units: over ByteDance's 150,000 allocation.
    write(tmp_path, "o/BD-7.YAML", _order("BD-7", 200_000))
    write(tmp_path, "o/b.Yml", _order("B-2"))
    write(tmp_path, "o/c.JSON", '{"order_id": "C-3"')
    write(tmp_path, "o/notes.txt", "not an order")
    run = cli("check", "o", "--format", "json")
    assert _verdicts(run) == {"o/BD-7.YAML": "fail", "o/b.Yml": "pass", "o/c.JSON": "error"}
    assert run.code == 2
    # read as JSON, whose errors say so
    assert "invalid JSON" in run.order("c.JSON")["errors"][0]["message"]


def test_the_upper_case_order_over_quota_fails_the_run(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/BD-7.YAML", _order("BD-7", 200_000))
    run = cli("check", "o", "--format", "json")
    assert run.code == 1
    assert run.status("BD-7.YAML", "batch-quota") == "fail"


def test_hidden_files_are_orders_and_version_control_directories_are_not(
    cli: Any, tmp_path: Path
) -> None:
    write(tmp_path, "o/.draft.yaml", _order("D-1"))
    write(tmp_path, "o/.cache/e.yaml", _order("E-1"))
    write(tmp_path, "o/.git/x.yaml", "not: an order\n")
    run = cli("check", "o", "--format", "json")
    assert _verdicts(run) == {"o/.cache/e.yaml": "pass", "o/.draft.yaml": "pass"}


def test_symlinks_to_files_and_directories_are_followed(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "store/a.yaml", _order("A-1"))
    write(tmp_path, "store/deep/b.yaml", _order("B-1"))
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "dir").symlink_to(tmp_path / "store" / "deep", target_is_directory=True)
    (tmp_path / "o" / "file.yaml").symlink_to(tmp_path / "store" / "a.yaml")
    run = cli("check", "o", "--format", "json")
    assert _verdicts(run) == {"o/dir/b.yaml": "pass", "o/file.yaml": "pass"}
    assert run.code == 0


def test_a_dangling_link_and_a_loop_are_errors_and_the_rest_is_checked(
    cli: Any, tmp_path: Path
) -> None:
    write(tmp_path, "o/a.yaml", _order("A-1"))
    write(tmp_path, "o/sub/b.yaml", _order("B-1"))
    (tmp_path / "o" / "gone.yaml").symlink_to(tmp_path / "o" / "missing.yaml")
    (tmp_path / "o" / "sub" / "up").symlink_to(tmp_path / "o", target_is_directory=True)
    (tmp_path / "o" / "self").symlink_to(tmp_path / "o" / "self")
    run = cli("check", "o", "--format", "json")
    assert run.code == 2
    assert _verdicts(run) == {
        "o/a.yaml": "pass",
        "o/gone.yaml": "error",
        "o/self": "error",
        "o/sub/b.yaml": "pass",
        "o/sub/up": "error",
    }
    assert "dangling symbolic link" in run.order("gone.yaml")["errors"][0]["message"]
    assert "loop" in run.order("o/self")["errors"][0]["message"]
    assert "loop" in run.order("sub/up")["errors"][0]["message"]


def test_a_dangling_link_given_as_path_is_named(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").symlink_to(tmp_path / "nowhere.yaml")
    run = cli("check", "x.yaml", "--format", "json")
    assert run.code == 2
    assert "dangling symbolic link" in run.order("x.yaml")["errors"][0]["message"]


def test_one_file_reached_by_several_paths_is_checked_once(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/a.yaml", _order("A-1"))
    (tmp_path / "o" / "again.yaml").symlink_to(tmp_path / "o" / "a.yaml")
    (tmp_path / "o" / "hard.yaml").hardlink_to(tmp_path / "o" / "a.yaml")
    run = cli("check", "o", "./o/a.yaml", "o/a.yaml", tmp_path / "o" / "a.yaml", "--format", "json")
    # once, by the first path in path order; no duplicate-id error against itself
    assert _verdicts(run) == {"o/a.yaml": "pass"}
    assert run.code == 0


def test_an_empty_path_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE_ORDER)
    run = cli("check", "")
    assert run.code == 2
    assert run.out == ""
    assert "empty path" in run.err


def test_order_ids_are_unique_ignoring_case(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/a.yaml", _order("BD-1"))
    write(tmp_path, "o/b.yaml", _order("bd-1"))
    write(tmp_path, "o/c.yaml", _order("BD-2"))
    run = cli("check", "o", "--format", "json")
    assert run.code == 2
    assert _verdicts(run) == {"o/a.yaml": "error", "o/b.yaml": "error", "o/c.yaml": "pass"}
    message = run.order("a.yaml")["errors"][0]["message"]
    assert "o/b.yaml:1:11 (as bd-1)" in message
