"""The instructor workflow without an exchange server, end to end, against hostile submissions.

Fast tests first: the LMS file-name mapping of ``instructor/lms/collect.py``.

Then one end-to-end run of the real nbgrader pipeline on the MNIST lab (``source/lab``) in a
temporary course (never in the repository): ``generate_assignment``; an LMS-style zip of a
hostile batch collected with a roster; one ``autograde`` of the whole batch; one regrade of the
tampering students (``--force --jobs 2 --student ...``: on all cores, it must give the serial
run's grades, and leave the others' alone); ``export``; ``generate_feedback``. Each student's autograded score is asserted:

=================== ==========================================================================
student             what they did → what they must get
=================== ==========================================================================
perfect             every answer from the source → all autograded points
blank               the student version untouched → 0
partial             the last graded part unanswered → all points but that part's
honest              some framework parts right, three subtly wrong → the right parts' points
monkeypatcher       honest + np.allclose/np.array_equal/builtins.abs patched, coursekit.grading
                    patched, sys.modules entry replaced, check_close rebound → honest's score
                    (the patches stay in the sandbox; the judge's modules are its own)
keythief            honest + ``from solutions import Net`` (sys.path to the course root) → honest
                    minus that part: the answer key is not in the sandbox
sneaky              honest + attacks a syntax check cannot see (setattr through a helper,
                    sys.modules through getattr, builtins.abs through sys.modules, also from
                    inside an answer while a test runs, the answer key through pickle) → honest
                    minus the answer key's part
deleter             honest + deleted / edited / re-pointed test cells, an answer deleted with its
                    test, a fake 50-point test cell → honest's score
looper              honest + an infinite loop in an answer (Tanh.forward) → honest minus the
                    activations part (the sandbox's CPU timer stops the call); the batch goes on
broken              a notebook that is not JSON → reported, 0, everyone else graded
dana                on the roster, submitted nothing → reported, exported with no grade
=================== ==========================================================================

The scores, the time per submission and what was detected are printed in the terminal
summary and written to ``summary.txt`` in the temporary course (quoted in failure messages).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from instructor import cli
from instructor.grading import grade
from instructor.lms.formats import collect

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "source" / "lab"
ASSIGNMENT = "lab"
NOTEBOOK = "mnist_lab"
# Per-cell CPU-time limit for the test run: the slowest honest cell of the lab uses ~2.5 s of CPU;
# the loop costs this limit twice (autograde and regrade). CPU time, unlike nbgrader's
# wall-clock limit (left at the course's 120 s), does not run out faster on a busy machine.
CPU_LIMIT = 10
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


# ============================================================================================
# Collecting LMS downloads
# ============================================================================================
@pytest.mark.parametrize("name, keys", [
    ("alice_mnist_lab", ["alice"]),
    ("alice-mnist_lab", ["alice"]),
    ("12345_bob_mnist_lab", ["12345_bob", "12345", "bob"]),
    ("mnist_lab_alice", ["alice"]),
    ("bob_mnist_lab (1)", ["bob"]),
    ("smithjane_12345_678901_mnist_lab", ["12345", "smithjane"]),  # Canvas: the user id decides
    ("smithjane_LATE_12345_678901_mnist_lab-1", ["12345", "smithjane"]),
    ("müllerjörg_10031_678902_mnist_lab", ["10031", "müllerjörg"]),  # Canvas keeps any script
    ("রহমানআনিসুর_LATE_10032_678903_mnist_lab", ["10032", "রহমানআনিসুর"]),
    ("o_brienpat_10033_678904_mnist_lab", ["10033", "o_brienpat"]),
    ("anon_Qx7Zp_678905_mnist_lab", ["anon_Qx7Zp"]),  # anonymous grading
    ("LATE_anon_Rb2Kd_678906_mnist_lab", ["anon_Rb2Kd"]),
    ("Jane Smith_12345_assignsubmission_file_mnist_lab", ["12345", "Jane Smith"]),
    ("mnist_lab", []),
    ("mnist_lab (2)", []),
    ("Untitled", []),
])
def test_student_keys_in_lms_file_names(name, keys):
    assert collect.keys_from_name(name, [NOTEBOOK])[0] == keys


def _tiny_course(root: Path) -> Path:
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    shutil.copy(REPO / "nbgrader_config.py", root)
    return root


def _notebook_bytes(marker: str) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = {marker!r}")])
    return nbformat.writes(nb).encode()


def test_collect_maps_lms_names_with_a_roster_and_a_map(tmp_path):
    course = _tiny_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email,canvas_id,moodle_id\n"
                      "alice,Alice,Liddell,alice@uni.example,111,\n"
                      "bob,Bob,Builder,bob@uni.example,222,\n"
                      "jsmith,Jane,Smith,jane.smith@uni.example,,333\n"
                      "carol,Carol,King,ck@uni.example,444,\n"
                      "eve,Eve,Adams,eve@uni.example,555,\n")
    mapping = tmp_path / "map.csv"
    mapping.write_text("key,student_id\nmystery_notebook.ipynb,carol\nignore me.ipynb,\n")
    archive = tmp_path / "download.zip"
    files = {
        "submissions/alice_mnist_lab.ipynb": _notebook_bytes("alice"),
        "submissions/222_bob_mnist_lab.ipynb": _notebook_bytes("bob"),
        "submissions/Jane Smith_333_assignsubmission_file_/mnist_lab.ipynb": _notebook_bytes("jane"),
        "submissions/mystery_notebook.ipynb": _notebook_bytes("carol"),
        "submissions/ignore me.ipynb": _notebook_bytes("nobody"),
        "submissions/mnist_lab.ipynb": _notebook_bytes("who?"),
        "submissions/zed_mnist_lab.ipynb": _notebook_bytes("zed"),
        "submissions/notes.txt": b"not a notebook",
        "submissions/__MACOSX/._alice_mnist_lab.ipynb": b"junk",
    }
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    result = collect.collect(archive, ASSIGNMENT, course, roster=collect.read_roster(roster),
                             mapping=collect.read_map(mapping))
    copied = {student: source for source, student, _ in result.copied}
    assert copied == {"alice": "alice_mnist_lab.ipynb", "bob": "222_bob_mnist_lab.ipynb",
                      "jsmith": "Jane Smith_333_assignsubmission_file_/mnist_lab.ipynb",
                      "carol": "mystery_notebook.ipynb"}
    for student, marker in [("alice", "alice"), ("bob", "bob"), ("jsmith", "jane"), ("carol", "carol")]:
        path = course / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        assert repr(marker) in path.read_text()
    unmapped = dict(result.unmapped)
    assert set(unmapped) == {"mnist_lab.ipynb", "zed_mnist_lab.ipynb"}
    assert "no student name" in unmapped["mnist_lab.ipynb"]
    assert "no roster student matches" in unmapped["zed_mnist_lab.ipynb"]
    assert dict(result.ignored) == {"ignore me.ipynb": "ignored by the map", "notes.txt": "not a notebook"}
    assert result.missing == ["eve"]
    assert not result.ok

    # Again: nothing changes; a changed file is not overwritten without --force.
    again = collect.collect(archive, ASSIGNMENT, course, roster=collect.read_roster(roster),
                            mapping=collect.read_map(mapping))
    assert not again.copied and len(again.unchanged) == 4
    (course / "submitted" / "alice" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").write_bytes(_notebook_bytes("old"))
    again = collect.collect(archive, ASSIGNMENT, course, roster=collect.read_roster(roster),
                            mapping=collect.read_map(mapping))
    assert [s for _, s in again.skipped_existing] == ["alice"]
    forced = collect.collect(archive, ASSIGNMENT, course, roster=collect.read_roster(roster),
                             mapping=collect.read_map(mapping), force=True)
    assert [s for _, s, _ in forced.copied] == ["alice"]


def test_collect_folders_per_student_conflicts_and_bad_input(tmp_path):
    course = _tiny_course(tmp_path / "course")
    downloads = tmp_path / "downloads"
    (downloads / "alice" / "lab").mkdir(parents=True)
    (downloads / "alice" / "lab" / "mnist_lab.ipynb").write_bytes(_notebook_bytes("alice"))
    (downloads / "alice" / "Untitled.ipynb").write_bytes(_notebook_bytes("scratch"))
    (downloads / "bob").mkdir()
    (downloads / "bob" / "my work.ipynb").write_bytes(_notebook_bytes("bob"))
    (downloads / "carol").mkdir()
    (downloads / "carol" / "a.ipynb").write_bytes(_notebook_bytes("a"))
    (downloads / "carol" / "b.ipynb").write_bytes(_notebook_bytes("b"))
    (downloads / "dave_mnist_lab.ipynb").write_bytes(_notebook_bytes("dave 1"))
    (downloads / "dave_mnist_lab (1).ipynb").write_bytes(_notebook_bytes("dave 2"))
    result = collect.collect(downloads, ASSIGNMENT, course)
    assert sorted(s for _, s, _ in result.copied) == ["alice", "bob"]
    assert ("alice/Untitled.ipynb", "an extra notebook next to the assignment's notebook") in result.ignored
    assert [folder for folder, _ in result.unmapped] == ["carol"]
    assert result.conflicts == [("dave", ["dave_mnist_lab (1).ipynb", "dave_mnist_lab.ipynb"])]
    assert not (course / "submitted" / "dave").exists()

    with pytest.raises(collect.CollectError, match="does not exist"):
        collect.collect(tmp_path / "nowhere.zip", ASSIGNMENT, course)
    with pytest.raises(collect.CollectError, match="no notebooks in"):
        collect.collect(downloads, "no-such-assignment", course)
    bad_roster = tmp_path / "bad.csv"
    bad_roster.write_text("name\nalice\n")
    with pytest.raises(collect.CollectError, match="'id' column"):
        collect.read_roster(bad_roster)
    bad_roster.write_text("id\nalice/../../etc\n")
    with pytest.raises(collect.CollectError, match="characters a folder name cannot have"):
        collect.read_roster(bad_roster)


# --------------------------------------------------------------------------------------------
# Downloads built the way each LMS builds them: whose a file is, and when it was handed in
# --------------------------------------------------------------------------------------------
DOWNLOADED_AT = (2026, 11, 23, 9, 41, 7)  # when the instructor clicked "Download Submissions"


def _canvas_zip(path: Path, files: dict[str, bytes]) -> Path:
    """As Canvas (lib/content_zipper.rb, rubyzip) builds it: every entry carries the moment the
    zip was made, not a hand-in time."""
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(zipfile.ZipInfo(name, date_time=DOWNLOADED_AT), data)
    return path


# Canvas's gradebook export: a "Points Possible" row and a posting-policy row with no user id.
CANVAS_EXPORT = ("Student,ID,SIS User ID,SIS Login ID,Section,MNIST lab (424242),Current Score\n"
                 "    Points Possible,,,,,42,(read only)\n"
                 ",,,,,Manual Posting,\n"
                 '"Smith, Jane",10024,S24,jsmith24@uni.example,A,,\n'
                 '"Müller, Jörg",10031,S31,mueller,B,,\n'
                 '"রহমান, আনিসুর",10032,S32,rahman,B,,\n')


def _submitted(course: Path, student: str) -> Path:
    return course / "submitted" / student / ASSIGNMENT


def test_a_canvas_download_carries_no_hand_in_times_and_none_is_invented(tmp_path):
    course = _tiny_course(tmp_path / "course")
    download = _canvas_zip(tmp_path / "canvas.zip", {
        "smithjane_10024_5024_mnist_lab.ipynb": _notebook_bytes("jane"),
        "müllerjörg_LATE_10031_5031_mnist_lab.ipynb": _notebook_bytes("jörg"),
    })
    (tmp_path / "gradebook.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    roster = collect.read_rosters([tmp_path / "gradebook.csv"])
    result = collect.collect(download, ASSIGNMENT, course, roster=roster, zone="UTC")
    assert sorted(s for _, s, _ in result.copied) == ["jsmith24", "mueller"]
    # The zip's time is the download's: no timestamp, so nbgrader takes no late penalty.
    assert not (_submitted(course, "jsmith24") / collect.TIMESTAMP_FILE).exists()
    assert collect.read_timestamp(_submitted(course, "mueller")) is None
    lines = result.lines()
    assert len([line for line in lines if line.startswith("NO TIME")]) == 1, lines
    assert "Canvas's download has no hand-in times" in "\n".join(lines)
    assert "NOTE       mueller: Canvas marks müllerjörg_LATE_10031_5031_mnist_lab.ipynb late (no hand-in " \
           "time: no penalty applied)" in lines
    assert collect.read_lms_info(_submitted(course, "mueller")).canvas_late

    # Canvas's own record of the submissions gives the real times (by attachment, else by user).
    record = tmp_path / "submissions.json"
    record.write_text(json.dumps([
        {"user_id": 10024, "submitted_at": "2026-11-20T22:10:00Z", "attachments": [{"id": 5024}]},
        {"user_id": 10031, "submitted_at": "2026-11-21T08:00:00Z", "late": True},
        {"user_id": 10032, "submitted_at": None}]))
    again = collect.collect(download, ASSIGNMENT, course, roster=roster, zone="UTC", force=True,
                            canvas_submissions=collect.read_canvas_submissions(record))
    assert not again.untimed and not any(line.startswith("NO TIME") for line in again.lines())
    assert collect.read_timestamp(_submitted(course, "jsmith24")) == \
        dt.datetime(2026, 11, 20, 22, 10, tzinfo=dt.UTC)
    assert collect.read_timestamp(_submitted(course, "mueller")) == \
        dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
    assert collect.read_lms_info(_submitted(course, "mueller")).time_source == "Canvas submissions"


def test_a_zip_whose_files_all_carry_one_time_gives_no_times_even_from_no_lms(tmp_path):
    course = _tiny_course(tmp_path / "course")
    download = _canvas_zip(tmp_path / "own.zip", {"ann_mnist_lab.ipynb": _notebook_bytes("ann"),
                                                   "ben_mnist_lab.ipynb": _notebook_bytes("ben")})
    result = collect.collect(download, ASSIGNMENT, course, zone="UTC")
    assert result.untimed == ["ann", "ben"]
    assert "every file of the download carries the same time" in "\n".join(result.lines())


def test_an_lms_id_decides_and_a_namesake_never_takes_a_students_place(tmp_path):
    course = _tiny_course(tmp_path / "course")
    mine, namesake = _notebook_bytes("jsmith24's own"), _notebook_bytes("the other Jane Smith")
    download = _canvas_zip(tmp_path / "canvas.zip", {
        "smithjane_10024_5024_mnist_lab.ipynb": mine,
        "smithjane_10025_5099_mnist_lab.ipynb": namesake,  # uploaded later: a larger attachment id
    })
    only_one = tmp_path / "gradebook.csv"
    only_one.write_text(CANVAS_EXPORT, encoding="utf-8")
    result = collect.collect(download, ASSIGNMENT, course, roster=collect.read_rosters([only_one]))
    assert _submitted(course, "jsmith24").joinpath(f"{NOTEBOOK}.ipynb").read_bytes() == mine
    assert [s for s, _ in result.unmapped] == ["smithjane_10025_5099_mnist_lab.ipynb"]
    assert "Canvas user 10025 (smithjane) is not on the roster" in result.unmapped[0][1]

    # Both on the roster: each gets their own, although their names are one.
    both = tmp_path / "both.csv"
    both.write_text(CANVAS_EXPORT + '"Smith, Jane",10025,S25,jsmith25@uni.example,B,,\n', encoding="utf-8")
    result = collect.collect(download, ASSIGNMENT, course, roster=collect.read_rosters([both]))
    assert result.ok and _submitted(course, "jsmith25").joinpath(f"{NOTEBOOK}.ipynb").read_bytes() == namesake
    assert _submitted(course, "jsmith24").joinpath(f"{NOTEBOOK}.ipynb").read_bytes() == mine

    # A roster without Canvas ids: the name fits both students, so neither is guessed.
    names = tmp_path / "names.csv"
    names.write_text("id,first_name,last_name\njs1,Jane,Smith\njs2,Jane,Smith\n")
    result = collect.collect(download, ASSIGNMENT, tmp_path / "course", roster=collect.read_rosters([names]))
    assert len(result.unmapped) == 2 and all("fits several roster students (js1, js2)" in why
                                             for _, why in result.unmapped), result.unmapped
    # The name fits one student, but the files are two Canvas users': never one submission.
    names.write_text("id,first_name,last_name\njs1,Jane,Smith\n")
    result = collect.collect(download, ASSIGNMENT, course, roster=collect.read_rosters([names]))
    assert not result.copied and not result.newest and len(result.unmapped) == 2, result.lines()
    assert "different LMS users (Canvas user 10024, Canvas user 10025)" in result.unmapped[0][1]
    # Without a roster, two Canvas users are two folders.
    bare = collect.collect(download, ASSIGNMENT, _tiny_course(tmp_path / "bare"))
    assert sorted(s for _, s, _ in bare.copied) == ["canvas-10024", "canvas-10025"]


def test_a_submission_in_place_is_never_replaced_by_another_lms_users_file(tmp_path):
    course = _tiny_course(tmp_path / "course")
    names = tmp_path / "names.csv"
    names.write_text("id,first_name,last_name\njs1,Jane,Smith\n")
    first = _canvas_zip(tmp_path / "first.zip", {"smithjane_10024_5024_mnist_lab.ipynb": _notebook_bytes("a")})
    second = _canvas_zip(tmp_path / "second.zip", {"smithjane_10025_5025_mnist_lab.ipynb": _notebook_bytes("b")})
    collect.collect(first, ASSIGNMENT, course, roster=collect.read_rosters([names]))
    result = collect.collect(second, ASSIGNMENT, course, roster=collect.read_rosters([names]), force=True)
    assert not result.copied and "is Canvas user 10024's" in result.unmapped[0][1], result.lines()
    assert b"'a'" in _submitted(course, "js1").joinpath(f"{NOTEBOOK}.ipynb").read_bytes()


def test_unicode_bengali_and_anonymous_canvas_names_are_recognised(tmp_path):
    course = _tiny_course(tmp_path / "course")
    download = _canvas_zip(tmp_path / "canvas.zip", {
        "müllerjörg_10031_5031_mnist_lab.ipynb": _notebook_bytes("jörg"),
        "রহমানআনিসুর_LATE_10032_5032_mnist_lab.ipynb": _notebook_bytes("anisur"),
        "o_brienpat_10033_5033_mnist_lab.ipynb": _notebook_bytes("pat"),
    })
    roster = tmp_path / "roster.csv"  # names only: the names must be read as Canvas writes them
    roster.write_text("id,first_name,last_name\nmueller,Jörg,Müller\nrahman,আনিসুর,রহমান\n"
                      "obrien,Pat,O'Brien\n", encoding="utf-8")
    result = collect.collect(download, ASSIGNMENT, course, roster=collect.read_rosters([roster]))
    assert sorted(s for _, s, _ in result.copied) == ["mueller", "obrien", "rahman"], result.lines()
    assert collect.read_lms_info(_submitted(course, "rahman")).prefix == "রহমানআনিসুর_LATE_10032_5032"

    anonymous = _canvas_zip(tmp_path / "anonymous.zip", {
        "anon_Qx7Zp_5041_mnist_lab.ipynb": _notebook_bytes("?"),
        "LATE_anon_Rb2Kd_5042_mnist_lab.ipynb": _notebook_bytes("??")})
    result = collect.collect(anonymous, ASSIGNMENT, course, roster=collect.read_rosters([roster]))
    assert sorted(s for _, s, _ in result.copied) == ["anon_Qx7Zp", "anon_Rb2Kd"], result.lines()
    assert not result.missing  # anonymous grading: nobody on the roster can be told missing
    info = collect.read_lms_info(_submitted(course, "anon_Rb2Kd"))
    assert (info.canvas_anonymous_id, info.canvas_late, info.prefix) == ("Rb2Kd", True, "LATE_anon_Rb2Kd_5042")


MOODLE_WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
    "Last modified (submission),Online text,Last modified (grade),Feedback comments\n"
    'Participant 7001,Carl Copy,carl@uni.example,Submitted for grading,,42.00,Yes,'
    '"Friday, 20 November 2026, 11:30 PM",,-,\n'
    'Participant 7002,Nora Nobody,nora@uni.example,No submission,5.00,42.00,Yes,-,,'
    '"Thursday, 19 November 2026, 10:00 AM",Handed in on paper\n')


def test_moodle_times_and_ids_come_from_its_worksheet_and_stay_moodles(tmp_path):
    course = _tiny_course(tmp_path / "course")
    download = _canvas_zip(tmp_path / "moodle.zip", {  # Moodle's own times are no hand-in times
        "Carl Copy_7001_assignsubmission_file_/mnist_lab.ipynb": _notebook_bytes("carl"),
        "Nora Nobody_10024_assignsubmission_file_/mnist_lab.ipynb": _notebook_bytes("not jsmith24")})
    (tmp_path / "worksheet.csv").write_text(MOODLE_WORKSHEET)
    (tmp_path / "gradebook.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    roster = collect.read_rosters([tmp_path / "gradebook.csv", tmp_path / "worksheet.csv"])
    assert {s.id: (s.canvas_id, s.moodle_id) for s in roster} == {
        "jsmith24": ("10024", ""), "mueller": ("10031", ""), "rahman": ("10032", ""),
        "carl": ("", "7001"), "nora": ("", "7002")}
    result = collect.collect(download, ASSIGNMENT, course, roster=roster, zone="Europe/Berlin")
    # Participant 10024 is no Canvas user 10024, and nobody's Moodle participant id.
    assert [s for _, s, _ in result.copied] == ["carl"], result.lines()
    assert "Moodle participant 10024 (Nora Nobody) is not on the roster" in result.unmapped[0][1]
    assert collect.read_timestamp(_submitted(course, "carl")) == \
        dt.datetime(2026, 11, 20, 22, 30, tzinfo=dt.UTC)  # 11:30 PM in Berlin


def test_rosters_say_clearly_what_is_wrong(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,lms_id\nalice,1001\n")
    with pytest.raises(collect.CollectError, match="rename it 'canvas_id'.*or 'moodle_id'"):
        collect.read_roster(roster)
    roster.write_text("name,mail\nalice,a@x\n")
    with pytest.raises(collect.CollectError, match="is not a roster: give Canvas's gradebook export"):
        collect.read_roster(roster)
    other = tmp_path / "other.csv"
    roster.write_text("id,canvas_id\nalice,1001\n")
    other.write_text("id,canvas_id\nalice,1002\n")
    with pytest.raises(collect.CollectError, match="alice has canvas_id 1002, another roster says 1001"):
        collect.read_rosters([roster, other])
    other.write_text("id,canvas_id\nbob,1001\n")
    with pytest.raises(collect.CollectError, match="Canvas user ids twice: 1001"):
        collect.read_rosters([roster, other])


def test_the_lms_column_is_the_exports_own_or_refused_when_unclear(tmp_path):
    from instructor.lms import formats as lms

    export = tmp_path / "gradebook.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,MNIST lab (424242),Lesson 2 (4243),"
                      "Tiny lab (4244)\n")
    roster = collect.read_rosters([export])
    assert lms.lms_columns(["lesson2"], {}, roster)[0] == {"lesson2": "Lesson 2 (4243)"}
    assert lms.lms_columns(["lab"], {"lab": "MNIST lab"}, roster)[0] == {"lab": "MNIST lab (424242)"}
    with pytest.raises(grade.GradingError, match="several columns named like 'lab'.*--lms-column"):
        lms.lms_columns(["lab"], {}, roster)  # "MNIST lab" or "Tiny lab": never guessed
    with pytest.raises(grade.GradingError, match="no column named like 'lesson3'"):
        lms.lms_columns(["lesson3"], {}, roster)
    # No export: the assignment's name, and a warning that the LMS would make a new column.
    columns, warnings = lms.lms_columns(["lab"], {}, None)
    assert columns == {"lab": "lab"} and "new assignment" in warnings[0]


def test_check_notebook_explains_what_is_wrong(tmp_path):
    good = tmp_path / "good.ipynb"
    good.write_bytes(_notebook_bytes("ok"))
    assert grade.check_notebook(good) is None
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [ nope')
    assert "not valid JSON (line 1, column" in grade.check_notebook(broken)
    other = tmp_path / "other.ipynb"
    other.write_text('{"hello": 1}')
    assert "not a notebook" in grade.check_notebook(other)
    assert "is missing" in grade.check_notebook(tmp_path / "absent.ipynb")


def test_cli_reports_a_wrong_course_folder(tmp_path, capsys):
    assert cli.main(["--course", str(tmp_path), "autograde", ASSIGNMENT]) == 1
    assert "has no nbgrader_config.py" in capsys.readouterr().err


# ============================================================================================
# End to end: the real nbgrader pipeline on the lab, with a hostile batch
# ============================================================================================
@dataclass
class Part:
    test_id: str
    points: float
    answers: list[str]


@dataclass
class Batch:
    course: Path
    parts: list[Part]
    expected: dict[str, float]
    reports: dict[str, dict[str, str]]
    regraded: dict[str, dict[str, str]]
    grades: dict[str, dict[str, float | None]]
    regrades: dict[str, dict[str, float | None]]
    collect_output: str
    collect_code: int
    autograde_code: int
    autograde_output: str
    export_rows: dict[str, dict[str, str]]
    feedback_code: int
    summary: str
    unchanged_output: str
    unchanged_seconds: float
    notes: list[str] = field(default_factory=list)

    def explain(self) -> str:
        return f"\n{self.summary}\n(course kept in {self.course})"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _parts(release) -> list[Part]:
    """Each autograded test cell with the answer cells since the previous test cell."""
    parts, answers = [], []
    for cell in release.cells:
        meta = _meta(cell)
        if meta.get("solution") and cell.cell_type == "code" and not meta.get("grade"):
            answers.append(meta["grade_id"])
        elif meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            parts.append(Part(meta["grade_id"], float(meta["points"]), answers))
            answers = []
    return parts


def _index(nb, grade_id: str) -> int:
    for index, cell in enumerate(nb.cells):
        if _meta(cell).get("grade_id") == grade_id:
            return index
    raise KeyError(f"no cell {grade_id!r} in the lab notebook")


# Subtly wrong answers: right everywhere except one detail a test checks. Tied to the lab's
# current solutions; where an anchor has gone, the part is left unanswered instead (still wrong).
MUTATIONS = {
    "framework-net": ("reversed(self.layers)", "self.layers"),
    "prepare-data": ("val_fraction=0.1", "val_fraction=0.2"),
    "training-helpers": ("np.abs(layer.W).max()", "layer.W.max()"),
}

FAKE_GRADING = textwrap.dedent("""\
    import contextlib, sys, types
    fake = types.ModuleType("coursekit.grading")
    for name in ("check", "check_close", "check_shape", "check_raises", "check_untampered"):
        setattr(fake, name, lambda *args, **kwargs: None)
    fake.quiet = contextlib.nullcontext
""")

MONKEYPATCHES = [
    ("np.allclose = lambda *args, **kwargs: True\nnp.array_equal = lambda *args, **kwargs: True\n"
     "np.testing.assert_allclose = lambda *args, **kwargs: None"),
    ("import coursekit.grading as grading\nfor name in ('check', 'check_close', 'check_shape'):\n"
     "    setattr(grading, name, lambda *args, **kwargs: None)\n"
     "grading.check_close = lambda *args, **kwargs: None"),
    FAKE_GRADING + 'sys.modules["coursekit.grading"] = fake',
    "import builtins\nbuiltins.abs = lambda value: 0.0",
    "def check_close(*args, **kwargs):\n    pass\ncheck = check_shape = check_close",
]

SNEAKY = [
    # A module reaches setattr through a parameter (a syntax check cannot see it).
    ("def install(module, name, value):\n    setattr(module, name, value)\n\n"
     "import coursekit.grading\nfor name in ('check', 'check_close', 'check_shape'):\n"
     "    install(coursekit.grading, name, lambda *args, **kwargs: None)"),
    # sys.modules through getattr.
    FAKE_GRADING + 'modules = getattr(sys, "mod" + "ules")\nmodules["coursekit.grading"] = fake',
    # builtins through sys.modules.
    ('import sys\nmodules = getattr(sys, "mod" + "ules")\nb = modules["built" + "ins"]\n'
     "b.abs = lambda value: 0.0"),
]

# An answer that, when a test calls it, makes abs() return 0 for the rest of the test (so that
# check_close would accept any value): it only changes the sandbox's abs, not the judge's.
MID_TEST_PATCH = textwrap.dedent("""\


    _honest_max_abs_weights = max_abs_weights


    def max_abs_weights(net):
        import sys
        modules = getattr(sys, "mod" + "ules")
        modules["built" + "ins"].abs = lambda value: 0.0
        return _honest_max_abs_weights(net)
""")

KEY_PATH = 'import os, sys\nsys.path.insert(0, os.path.abspath(os.path.join("..", "..", "..")))\n'


def _build_batch(release, source) -> tuple[dict[str, object], dict[str, float], list[Part], list[str]]:
    """The hostile batch: {student: notebook or raw bytes}, expected autograded scores, notes."""
    notes = []
    solutions = {_meta(c)["grade_id"]: c.source for c in source.cells
                 if _meta(c).get("solution") and c.cell_type == "code"}
    parts = _parts(release)
    total = sum(p.points for p in parts)

    def notebook(answers: dict[str, str], extra_cells: list[str] = ()):
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            grade_id = _meta(cell).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and _meta(c).get("locked"))
        for offset, code in enumerate(extra_cells, start=1):
            nb.cells.insert(setup + offset, nbformat.v4.new_code_cell(code))
        return nb

    def score(correct: set[str]) -> float:
        return sum(p.points for p in parts if p.answers and set(p.answers) <= correct)

    everything = {g: _strip_markers(s) for g, s in solutions.items()}
    batch: dict[str, object] = {"perfect": notebook(everything), "blank": notebook({})}
    expected = {"perfect": total, "blank": 0.0}

    last = parts[-1]
    batch["partial"] = notebook({g: s for g, s in everything.items() if g not in last.answers})
    expected["partial"] = total - last.points

    # honest: the framework parts (the first five graded parts) right except the mutated ones.
    framework = [a for p in parts[:5] for a in p.answers]
    honest_answers = {g: everything[g] for g in framework if g not in MUTATIONS}
    for grade_id, (anchor, replacement) in MUTATIONS.items():
        if grade_id not in solutions:
            notes.append(f"the lab has no answer cell {grade_id!r}: not answered")
        elif anchor not in solutions[grade_id]:
            notes.append(f"{grade_id}: {anchor!r} is not in the solution any more; left unanswered")
        else:
            honest_answers[grade_id] = _strip_markers(solutions[grade_id].replace(anchor, replacement))
    correct = {g for g in framework if g not in MUTATIONS}
    honest = score(correct)
    batch["honest"] = notebook(honest_answers)
    expected["honest"] = honest

    batch["monkeypatcher"] = notebook(honest_answers, MONKEYPATCHES)
    expected["monkeypatcher"] = honest

    thief = dict(honest_answers)
    target = "framework-net" if "framework-net" in solutions else framework[-1]
    thief[target] = KEY_PATH + "from solutions import Net, Linear, Softmax, CrossEntropyLoss"
    batch["keythief"] = notebook(thief)
    expected["keythief"] = score(correct - {target})

    sneaky = dict(honest_answers)
    sneaky[target] = KEY_PATH + 'import pickle\nNet = pickle.loads(b"csolutions\\nNet\\n.")'
    if "def max_abs_weights" in sneaky.get("training-helpers", ""):
        sneaky["training-helpers"] += MID_TEST_PATCH
    else:
        notes.append("no max_abs_weights answer to patch builtins from inside a test")
    batch["sneaky"] = notebook(sneaky, SNEAKY)
    expected["sneaky"] = score(correct - {target})

    deleter = notebook(honest_answers)
    tests = [p.test_id for p in parts]
    deleter.cells.pop(_index(deleter, tests[0]))  # a test cell deleted
    _meta(deleter.cells[_index(deleter, tests[1])])["points"] = 100  # points inflated
    deleter.cells[_index(deleter, tests[2])].source = "pass"  # a test cell emptied
    victim = next((p for p in parts if len(p.answers) == 1 and p.answers[0] not in correct), None)
    if victim is not None:  # an answer deleted together with its test (nbgrader crashes on this)
        deleter.cells.pop(_index(deleter, victim.test_id))
        deleter.cells.pop(_index(deleter, victim.answers[0]))
    fake = nbformat.v4.new_code_cell("pass")
    fake.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 50,
                                 "grade_id": "bonus-tests", "schema_version": 3}
    deleter.cells.append(fake)
    batch["deleter"] = deleter
    expected["deleter"] = honest

    # looper: an infinite loop at the start of the first answer region of the activations.
    looped = next((g for g in framework if g in correct and g != framework[0]), framework[0])
    lines = solutions[looped].splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines[at + 1:at + 1] = [f"{indent}while True:", f"{indent}    pass"]
    batch["looper"] = notebook({**honest_answers, looped: _strip_markers("\n".join(lines))})
    expected["looper"] = score(correct - {looped})

    batch["broken"] = b'{"cells": [ {"cell_type": "code", "source": "oops"'
    expected["broken"] = 0.0
    expected["dana"] = 0.0
    return batch, expected, parts, notes


LMS_NAMES = {  # how each student's file arrives in the download
    "perfect": "perfect_mnist_lab.ipynb",
    "blank": "12345_blank_mnist_lab.ipynb",
    "partial": "partial_LATE_2001_3001_mnist_lab-1.ipynb",
    "honest": "Hon Est_4004_assignsubmission_file_/mnist_lab.ipynb",
    "monkeypatcher": "monkeypatcher-mnist_lab.ipynb",
    "keythief": "mnist_lab_keythief.ipynb",
    "sneaky": "sneaky/lab/mnist_lab.ipynb",
    "deleter": "deleter_mnist_lab (1).ipynb",
    "looper": "looper_mnist_lab.ipynb",
    "broken": "broken_mnist_lab.ipynb",
}
ROSTER = ("id,first_name,last_name,email,canvas_id,moodle_id\n"
          "perfect,Per,Fect,perfect@uni.example,1001,\nblank,Bla,Nk,blank@uni.example,12345,\n"
          "partial,Par,Tial,partial@uni.example,2001,\nhonest,Hon,Est,honest@uni.example,,4004\n"
          "monkeypatcher,Mon,Key,mp@uni.example,5005,\nkeythief,Key,Thief,kt@uni.example,6006,\n"
          "sneaky,Snea,Ky,sneaky@uni.example,7007,\ndeleter,Del,Eter,del@uni.example,8008,\n"
          "looper,Loo,Per,looper@uni.example,9009,\nbroken,Bro,Ken,broken@uni.example,9100,\n"
          "dana,Dana,Absent,dana@uni.example,9200,\n")


def _kernel_env(tmp: Path) -> dict[str, str]:
    """coursekit must import in the student kernel, the answer key must not (unless a student
    puts the course root on sys.path, which the hostile batch does)."""
    probe = subprocess.run([sys.executable, "-c", "import coursekit"], cwd=tmp, capture_output=True,
                           check=False)
    if probe.returncode == 0:
        return {}
    shim = tmp / "kernel-path"
    shim.mkdir()
    (shim / "coursekit").symlink_to(REPO / "coursekit", target_is_directory=True)
    return {"PYTHONPATH": str(shim)}


def _cli(*args: str) -> tuple[int, str]:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = cli.main(list(args))
    return code, output.getvalue()


def _read_csv(path: Path, key: str) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


def _grades(course: grade.Course) -> dict[str, dict[str, float | None]]:
    from nbgrader.api import Gradebook, MissingEntry

    result = {}
    with Gradebook(course.db_url) as gradebook:
        for student in gradebook.students:
            try:
                submission = gradebook.find_submission(ASSIGNMENT, student.id)
            except MissingEntry:
                result[student.id] = {}
                continue
            result[student.id] = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    return result


@pytest.fixture(scope="module")
def batch(tmp_path_factory, request) -> Batch:
    if not (LAB / f"{NOTEBOOK}.ipynb").is_file():
        pytest.skip("source/lab/mnist_lab.ipynb is not there yet")
    tmp = tmp_path_factory.mktemp("instructor-workflow")
    root = tmp / "course"
    root.mkdir()
    # The course folder as instructors have it: config, tools, the answer key, the lab source.
    shutil.copy(REPO / "nbgrader_config.py", root)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for folder in ("instructor", "solutions"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    shutil.copytree(LAB, root / "source" / ASSIGNMENT, ignore=ignore)
    course = grade.Course.load(root)

    with pytest.MonkeyPatch.context() as patch:
        for name, value in _kernel_env(tmp).items():
            patch.setenv(name, value)
        started = time.time()
        code, output = grade.run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"])
        assert code == 0, f"nbgrader generate_assignment failed:\n{output[-3000:]}"
        generate_seconds = time.time() - started
        release = nbformat.read(root / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        source = nbformat.read(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        submissions, expected, parts, notes = _build_batch(release, source)

        download = tmp / "download.zip"
        with zipfile.ZipFile(download, "w") as bundle:
            for student, content in submissions.items():
                data = content if isinstance(content, bytes) else nbformat.writes(content).encode()
                bundle.writestr(f"lab submissions/{LMS_NAMES[student]}", data)
            bundle.writestr("lab submissions/mnist_lab.ipynb", nbformat.writes(release))
            bundle.writestr("lab submissions/README.txt", "downloaded from the LMS")
        roster = tmp / "roster.csv"
        roster.write_text(ROSTER)
        collect_code, collect_output = _cli("--course", str(root), "collect", ASSIGNMENT,
                                            str(download), "--roster", str(roster))

        started = time.time()
        autograde_code, autograde_output = _cli("--course", str(root), "autograde", ASSIGNMENT,
                                                "--cpu-limit", str(CPU_LIMIT))
        autograde_seconds = time.time() - started
        reports = _read_csv(course.path("autograded", f"report-{ASSIGNMENT}.csv"), "student_id")
        grades = _grades(course)

        started = time.time()
        _cli("--course", str(root), "autograde", ASSIGNMENT, "--cpu-limit", str(CPU_LIMIT), "--force",
             "--jobs", "2", *[arg for student in REGRADED for arg in ("--student", student)])
        regrade_seconds = time.time() - started
        regraded = _read_csv(course.path("autograded", f"report-{ASSIGNMENT}.csv"), "student_id")
        regrades = _grades(course)
        # Once more without --force: nothing changed, so nbgrader is not even started.
        started = time.time()
        _, unchanged_output = _cli("--course", str(root), "autograde", ASSIGNMENT)
        unchanged_seconds = time.time() - started

        export_path = tmp / "grades.csv"
        _cli("--course", str(root), "export", "--to", str(export_path))
        export_rows = _read_csv(export_path, "student_id")
        feedback_code, _ = _cli("--course", str(root), "feedback", ASSIGNMENT)

    summary = _summary(reports, expected, generate_seconds, autograde_seconds, regrade_seconds, notes)
    (root / "summary.txt").write_text(summary)
    _show(request, summary)
    return Batch(root, parts, expected, reports, regraded, grades, regrades, collect_output,
                 collect_code, autograde_code, autograde_output, export_rows, feedback_code, summary,
                 unchanged_output, unchanged_seconds, notes)


#: Regraded on two cores with --student (the cheap ones whose tricks the regrade must see again).
REGRADED = ("deleter", "keythief", "monkeypatcher", "sneaky")


def _summary(reports, expected, generate_seconds, autograde_seconds, regrade_seconds, notes) -> str:
    lines = [f"{'student':<14} {'status':<8} {'score':>7} {'expected':>8} {'seconds':>7}  detected"]
    for student in sorted(expected):
        row = reports.get(student, {})
        detected = "; ".join(x for x in (row.get("detail"), row.get("timeouts") and f"timeout: {row['timeouts']}",
                                         row.get("restored_cells") and f"restored: {row['restored_cells']}",
                                         row.get("sandbox") and f"sandbox: {row['sandbox'][:150]}")
                             if x)
        lines.append(f"{student:<14} {row.get('status', '?'):<8} {row.get('autograded_score') or '-':>7} "
                     f"{expected[student]:>8g} {row.get('seconds') or '-':>7}  {detected}")
    timed = [float(r["seconds"]) for r in reports.values() if r.get("seconds")]
    lines.append(f"generate {generate_seconds:.1f} s; autograde batch {autograde_seconds:.1f} s "
                 f"({len(timed)} notebooks run, {sum(timed) / max(len(timed), 1):.1f} s each on "
                 f"average, {max(timed, default=0):.1f} s at most); regrade {regrade_seconds:.1f} s")
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines)


class _SummaryPlugin:
    """Prints the batch's scores and timings in pytest's terminal summary, captured or not."""

    def __init__(self, summary: str) -> None:
        self.summary = summary

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.section("instructor workflow: the hostile batch (autograded score, "
                                 "expected, seconds per submission)")
        for line in self.summary.splitlines():
            terminalreporter.write_line(line)


def _show(request, summary: str) -> None:
    request.config.pluginmanager.register(_SummaryPlugin(summary), "instructor-workflow-summary")


def test_collect_maps_the_lms_download_and_reports_the_rest(batch):
    assert batch.collect_code == cli.ATTENTION, batch.collect_output
    for student, name in LMS_NAMES.items():
        assert f"copied     {name} -> {student} (submitted/{student}/lab/mnist_lab.ipynb)" \
            in batch.collect_output, batch.collect_output
    assert "UNMAPPED   mnist_lab.ipynb: no student name found" in batch.collect_output
    assert "ignored    README.txt: not a notebook" in batch.collect_output
    assert "MISSING    dana: on the roster, no submission found" in batch.collect_output


def test_every_score_is_what_the_honest_answers_earn(batch):
    got = {s: float(r["autograded_score"]) if r["autograded_score"] else 0.0
           for s, r in batch.reports.items()}
    assert got == batch.expected, f"scores differ from the honest ones:{batch.explain()}"


def test_perfect_gets_everything_and_blank_nothing(batch):
    perfect, blank = batch.reports["perfect"], batch.reports["blank"]
    total = sum(p.points for p in batch.parts)
    assert float(perfect["autograded_score"]) == float(perfect["autograded_max"]) == total
    assert float(blank["autograded_score"]) == 0.0
    assert perfect["sandbox"] == "" and perfect["notes"] == "", (
        f"false alarm on the perfect submission:{batch.explain()}")


def test_the_honest_baseline_earns_only_its_right_parts(batch):
    # The five framework parts: three right (linear, activations, softmax/loss, training: 10
    # points in the current lab), the mutated ones wrong. A failure here means the lab's tests
    # are not independent of each other, or a mutation no longer makes its part wrong.
    honest = batch.grades["honest"]
    for part in batch.parts[:5]:
        assert honest[part.test_id] in (0.0, part.points), (part, honest)
    assert float(batch.reports["honest"]["autograded_score"]) == batch.expected["honest"], batch.explain()


def test_attacks_run_as_written_and_only_the_judge_scores_them(batch):
    """No static check rewrites or flags a cell: the student's code ran in the sandbox as
    written (the feedback shows it), and its patches changed nothing the judge scored with."""
    graded = nbformat.read(batch.course / "autograded" / "monkeypatcher" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                           as_version=4)
    assert any("np.allclose = lambda" in cell.source for cell in graded.cells)
    assert float(batch.reports["monkeypatcher"]["autograded_score"]) == batch.expected["monkeypatcher"], \
        batch.explain()


def test_deleted_and_edited_test_cells_are_restored(batch):
    restored = batch.reports["deleter"]["restored_cells"].split("; ")
    assert batch.parts[0].test_id in restored, batch.explain()
    notebook = nbformat.read(batch.course / "autograded" / "deleter" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                             as_version=4)
    source = nbformat.read(batch.course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    sources = {_meta(c).get("grade_id"): c.source for c in source.cells}
    for part in batch.parts[:3]:
        cell = notebook.cells[_index(notebook, part.test_id)]
        assert cell.source == sources[part.test_id]  # with the hidden tests, not "pass"
        assert float(_meta(cell)["points"]) == part.points
    assert "bonus-tests" not in batch.grades["deleter"]


def test_an_infinite_loop_costs_only_its_part(batch):
    looper = batch.reports["looper"]
    assert looper["status"] == "graded" and looper["timeouts"], batch.explain()
    assert looper["sandbox"] == "", batch.explain()  # stopped by the CPU timer, not killed
    assert float(looper["seconds"]) < 120, batch.explain()  # the wall-clock backstop never fired


def test_broken_and_missing_notebooks_are_reported_and_the_rest_graded(batch):
    assert batch.autograde_code == cli.ATTENTION, batch.autograde_output
    broken, dana = batch.reports["broken"], batch.reports["dana"]
    assert broken["status"] == "invalid" and "is not valid JSON (line 1" in broken["detail"], batch.explain()
    assert dana["status"] == "missing" and dana["detail"] == "no submission", batch.explain()
    graded = {s for s, r in batch.reports.items() if r["status"] == "graded"}
    assert graded == set(batch.expected) - {"broken", "dana"}, batch.explain()
    assert "broken: invalid" in batch.autograde_output and "dana: missing" in batch.autograde_output


def test_regrading_on_two_cores_gives_identical_grades(batch):
    assert batch.regrades == batch.grades
    assert set(REGRADED) <= set(batch.regraded), batch.regraded.keys()
    for student, row in batch.regraded.items():
        assert row["autograded_score"] == batch.reports[student]["autograded_score"], student
        assert row["status"] == batch.reports[student]["status"], student


def test_autograde_without_force_skips_unchanged_submissions(batch):
    graded = set(batch.expected) - {"broken", "dana"}
    for student in graded:
        assert f"{student}" in batch.unchanged_output
    assert batch.unchanged_output.count("unchanged since the last autograde") == len(graded)
    assert batch.unchanged_seconds < 10  # no nbgrader run, no kernel


def test_export_lists_every_student_with_the_gradebook_score(batch):
    assert set(batch.export_rows) == set(batch.expected), batch.export_rows.keys()
    for student, row in batch.export_rows.items():
        assert row["assignment"] == ASSIGNMENT
        if student in ("dana", "broken"):
            continue
        report = batch.reports[student]
        assert float(row["raw_score"]) == float(report["score"] or 0.0), (student, row, report)
    # Nothing graded, nothing invented: no grade (0 only with --missing-as-zero), said why.
    for student in ("dana", "broken"):
        row = batch.export_rows[student]
        assert (row["score"], row["raw_score"], row["status"]) == ("", "", "no submission"), row


def test_feedback_shows_the_student_what_was_stopped(batch):
    assert batch.feedback_code == 0
    feedback = batch.course / "feedback"
    html = (feedback / "looper" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "CPUTimeLimitExceeded" in html
    assert (feedback / "perfect" / ASSIGNMENT / f"{NOTEBOOK}.html").is_file()
    with zipfile.ZipFile(feedback / f"{ASSIGNMENT}-feedback.zip") as bundle:
        assert f"perfect_{NOTEBOOK}.html" in bundle.namelist()
    assert not (feedback / "broken").exists()
