"""Issue 16 (file part): ``spikesim info`` escapes non-printable characters of names.

Before the fix a population named with terminal escape codes (or newlines)
was printed raw, so a file could drive the terminal.
"""

import numpy as np

from monitors.sonata import RecordingFile
from simcore.cli import main

EVIL = "pop\x1b[2J\x1b]0;owned\x07\nfake line"


def test_info_output_has_no_control_characters(tmp_path, capsys):
    path = tmp_path / "evil.h5"
    with RecordingFile(
        path, metadata={"dt": 1.0, "duration": 10.0, "network": {"name": "n\x1b[31m", "populations": []}}
    ) as rf:
        rf.spike_writer(EVIL, 3).append([1.0, 2.0], [0, 1])
        rf.report_writer(EVIL, "v\r", [0, 1], 1.0, unit="m\x1bV").append(np.zeros((3, 1, 2)))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\r")
    assert "\\x1b[2J" in out and "\\n" in out
    assert "fake line" not in [line.strip() for line in out.splitlines()]
