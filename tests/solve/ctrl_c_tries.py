"""Second Ctrl-C tries, for tests/solve/test_interrupt_safe.py (run as a script).

``python ctrl_c_tries.py CASE.xlsx FOLDER TRIES SEED`` imports the CLI once, then
for each try forks a child that runs ``sovopt solve`` through the real entry
point (:func:`sovopt.cli.app.main`, so the child ends by ``sys.exit`` and a full
interpreter shutdown, as the installed command does). When the child's progress
shows a level being solved, the parent sends SIGINT, waits a random delay, and
sends SIGINT again. Forking from an imported parent keeps a try at about a
second instead of the several seconds an import of the solver stack takes.
Prints one JSON object: each try's exit status (130, or -6 for SIGABRT) and the
last line its child wrote on stderr.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import sovopt.solver  # noqa: F401  (the solver stack, loaded before forking)
from sovopt.cli.app import main


def one_try(case: Path, folder: Path, k: int, rng: random.Random) -> dict[str, object]:
    err = folder / f"try{k}.err"
    pid = os.fork()
    if pid == 0:  # the child: the command, to its own exit
        fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.environ["SOVOPT_STORE"] = str(folder / f"store{k}")
        # main ends by sys.exit: the SystemExit leaves this script at its top, and
        # the child shuts its interpreter down as the installed command does
        main(["solve", str(case), "--time-limit", "60", "--gap", "0", "--json",
              "--out", str(folder / f"try{k}.results.xlsx")])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = err.read_text() if err.exists() else ""
        if "crash start" in text or "level " in text:  # a HiGHS run is under way
            break
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 0.5))
    os.kill(pid, signal.SIGINT)
    time.sleep(rng.uniform(0.05, 0.8))
    os.kill(pid, signal.SIGINT)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    lines = [ln for ln in err.read_text().splitlines() if ln.strip()]
    return {"exit": code, "last": lines[-1] if lines else ""}


def run(case: Path, folder: Path, tries: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [one_try(case, folder, k, rng) for k in range(tries)]


if __name__ == "__main__":
    case_path, out_folder, n, seed_value = sys.argv[1:5]
    print(json.dumps(run(Path(case_path), Path(out_folder), int(n), int(seed_value))))
