"""Backend that runs each batch with the `foundry run` command and reads titers from its database.

submit_designs(batch) -> run id; wait_results(run id) -> {design id: titer (g/L)}.
A submission starts `foundry run` in the background, so a learner can plan its next batch while
the lab works; runs of one backend share one SQLite file and therefore go one at a time.
"""
import json
import re
import sqlite3
import subprocess


class LocalFoundryBackend:
    def __init__(self, foundry, protocol, workcell, db, extra_params=(), time_limit=0.1, timeout_s=120.0):
        self.command = [foundry, "run", protocol, "--workcell", workcell, "--db", db,
                        "--time-limit", str(time_limit)]
        for p in extra_params:
            self.command += ["--param", p]
        self.db = db
        self.timeout_s = timeout_s  # wall-clock: a virtual-time run takes seconds, a hang must not stall the loop
        self._running = {}   # ticket -> (process, designs)
        self._finished = {}  # ticket -> run id
        self._tickets = 0

    def submit_designs(self, designs):
        self._wait_all()  # one writer per database file
        self._tickets += 1
        ticket = f"local-{self._tickets}"
        process = subprocess.Popen(self.command + ["--param", "designs=" + json.dumps(designs)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._running[ticket] = (process, [d["id"] for d in designs])
        return ticket

    def wait_results(self, ticket):
        if ticket not in self._finished:
            self._finish(ticket)
        run_id, ids = self._finished[ticket]
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT step_id, value FROM measurements "
                              "WHERE run_id = ? AND name = 'titer' AND step_id LIKE '%/cultivate'",
                              (run_id,)).fetchall()
        titers = {step.split("/")[0]: value for step, value in rows}
        return {i: titers[i] for i in ids if i in titers}  # a failed cultivation has no titer

    def _wait_all(self):
        for ticket in list(self._running):
            self._finish(ticket)

    def _finish(self, ticket):
        process, ids = self._running.pop(ticket)
        try:
            out, err = process.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RuntimeError(f"foundry run of {ticket} did not finish within {self.timeout_s} s (killed)")
        match = re.search(r"^run (\S+) \(", out, re.MULTILINE)
        if not match:
            raise RuntimeError(f"foundry run failed (exit {process.returncode}): {err.strip() or out.strip()}")
        self._finished[ticket] = (match.group(1), ids)
