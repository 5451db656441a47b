"""The judge treats what it receives as hostile: budgets, a memory limit and a clock of its own.

Attacks on the judge itself, each by a student who controls the sandbox (fast: no nbgrader; a
notebook is graded as a grading worker does, ``execution.execute_task``):

- a flood of data: 40 MB of empty lists (millions of elements) or tens of MB in one message
  are refused before they are built; an array the judge's memory cannot hold stops that
  notebook, never the grading process;
- a test cell run out one request at a time: each call into student code stays just under the
  per-request limit, but the cell, and the notebook, are stopped from outside when their time is up.
"""

from __future__ import annotations

import json
import os
import struct
import threading

import pytest
from tiny_assignment import grading_task, scored, submission

from instructor.grading import execution, remote, sandbox


def _read_forged(payload: bytes, count: int = 0):
    """``read_message`` on a pipe where a writer thread sends this JSON part."""
    read_fd, write_fd = os.pipe()

    def write() -> None:
        try:
            os.write(write_fd, struct.pack(">II", len(payload), count))
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
        except OSError:
            pass  # the reader refused and closed its end
        finally:
            os.close(write_fd)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        return remote.read_message(read_fd)
    finally:
        os.close(read_fd)
        writer.join()


EMPTY_LISTS = b'{"value": {"l": [' + b"[]," * 13_000_000 + b'[]]}}'  # 39 MB: 1.6 GB as objects
TEN_MB_OF_ELEMENTS = b'{"value": {"l": [' + b"0," * 5_000_000 + b'0]}}'
ONE_STRING = b'{"value": {"s": "' + b"x" * (40 * 2**20) + b'"}}'


@pytest.mark.parametrize("payload, why", [
    (EMPTY_LISTS, "too large"),
    (TEN_MB_OF_ELEMENTS, "elements"),
    (ONE_STRING, "too large"),
], ids=["40MB-of-empty-lists", "5M-numbers", "40MB-string"])
def test_a_flood_is_refused_before_it_is_built(payload, why):
    with pytest.raises(remote.ProtocolError, match=why):
        _read_forged(payload)


def test_deep_nesting_is_refused():
    """Already refused before (json's recursion limit, the decoder's depth): kept that way."""
    message, blobs = _read_forged(b'{"value": ' + b'{"l": [' * 200 + b"1" + b"]}" * 200 + b"}")
    with pytest.raises(remote.ProtocolError, match="nested"):
        remote.Endpoint(-1, -1).decode(message["value"], blobs)
    with pytest.raises(remote.ProtocolError, match="malformed"):
        _read_forged(b"[" * 100_000 + b"]" * 100_000)


def test_budgets_count_what_json_would_build_not_what_strings_say():
    text = json.dumps({"value": {"l": [{"s": "a, [b] {c}, \\\" ,"}, 1, [2, 3]]}}).encode()
    assert remote.count_elements(text) == 3 + 2 + 3 + 1  # commas, lists, dicts, the last value
    message, _ = _read_forged(text)  # honest data passes
    assert message["value"]["l"][1] == 1


# A student cell that writes its own answer on the protocol pipe: whatever the judge asked next.
FORGED_ANSWER = '''\
import gc, os, struct
endpoint = next(o for o in gc.get_objects() if type(o).__name__ == "Endpoint")
class Scaler:
    def __init__(self, factor):
        pass
    def forward(self, x):
        flood = b'{"value": {"l": [' + b"[]," * 9_000_000 + b'[]]}}'  # 27 MB: under the size limit
        os.write(endpoint.write_fd, struct.pack(">II", len(flood), 0) + flood)
'''


def _stops(result: execution.Result) -> list[str]:
    return [event for event in result.events if event.startswith("stopped: ")]


def test_a_flooded_judge_stops_that_notebook_only():
    task = grading_task(submission(extra_cells=(FORGED_ANSWER,)), sandbox.Limits(wall_seconds=60))
    result = execution.execute_task(task)
    assert not result.error and scored(task, result)[0] == 0.0, result
    assert "at most 1000000" in _stops(result)[0] and "elements" in _stops(result)[0], result.events


def test_an_answer_larger_than_the_judges_memory_stops_that_notebook():
    """Within the message budgets, but more than the judge's own address space holds."""
    huge = "class Scaler:\n    def __init__(self, factor):\n        pass\n" \
           "    def forward(self, x):\n        return np.ones(25_000_000)  # 200 MB\n"
    limits = sandbox.Limits(wall_seconds=60, judge_memory_mb=100)
    task = grading_task(submission(extra_cells=(huge,)), limits)
    result = execution.execute_task(task)
    assert not result.error and scored(task, result)[0] == 0.0, result
    assert "more data than its 100 MiB" in _stops(result)[0], result.events


# A test of the instructor's that calls student code twelve times, a legitimate shape.
MANY_CALLS = '''\
import numpy as np
from coursekit.grading import check_close

for n in range(12):
    check_close(Scaler(2.0).forward(np.ones(2)), np.full(2, 2.0), f"Scaler(2).forward, call {n}")
'''
# Each of its calls takes 0.4 s, well under the one-second limit per request; all of them 5 s.
SLOW = '''\
import time

class Scaler:
    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        if self.factor == 2.0:  # the calls of the many-calls test only
            time.sleep(0.4)
        return np.asarray(x) * self.factor
'''


@pytest.mark.parametrize("limits, why", [
    ({"cell_wall_seconds": 1, "grace_seconds": 0.5, "wall_seconds": 60},
     "the test tests-many ran longer than 1 s in all"),
    ({"cell_wall_seconds": 1, "wall_seconds": 2},  # the cell's own deadline is later: 1 + 5 s
     "the notebook ran longer than 2 s in all"),
], ids=["per-cell", "per-notebook"])
def test_a_cell_that_runs_out_the_clock_one_request_at_a_time_is_stopped_from_outside(limits, why):
    task = grading_task(submission(answer=SLOW), sandbox.Limits(**limits), tests={"tests-many": MANY_CALLS})
    result = execution.execute_task(task)
    assert not result.error, result
    last = max(result.outputs)
    assert result.outputs[last][0]["ename"] == execution.STOPPED, result.outputs[last]
    reason = result.outputs[last][0]["evalue"]
    assert why in reason and "its judge were stopped" in reason, reason
    assert _stops(result) == [f"stopped: {reason}"], result.events
    assert {"cell_index": last, "grade_id": "tests-many", "limit": execution.STOPPED} in result.timeouts
    score, max_score = scored(task, result)
    assert score < max_score
