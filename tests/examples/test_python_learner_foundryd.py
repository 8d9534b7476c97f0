"""The Python learner's whole DBTL loop against a real foundryd process on loopback: a learner key
(role learner) submits each batch, titers come back on the result stream. The landscape seed (7)
is one the learner was not tuned on. Run by ctest with FOUNDRYD set to the built service."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import zmq

SOURCE = os.environ.get("FOUNDRY_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "examples", "learners", "python"))

from batch_bayes_opt import BatchBayesOpt  # noqa: E402
from campaign import run_campaign  # noqa: E402
from design_space import DesignSpace  # noqa: E402
from foundryd_backend import FoundrydBackend  # noqa: E402
from workcell import write_seeded_workcell  # noqa: E402

FOUNDRYD = os.environ.get("FOUNDRYD")
DBTL_LOOP_CPP = os.environ.get("DBTL_LOOP_CPP")  # the C++ learner's program


class Foundryd:
    """A foundryd on 127.0.0.1 (ports chosen by the system) in virtual time, with a learner key."""

    def __init__(self, directory, seed):
        self.dir = directory
        workcell = write_seeded_workcell(os.path.join(SOURCE, "protocols/workcells/sim-foundry.json"), seed, directory)
        self.ready = os.path.join(directory, "ready.json")
        self.log = open(os.path.join(directory, "foundryd.log"), "w")
        self.process = subprocess.Popen(
            [FOUNDRYD, "--workcell", workcell, "--db", os.path.join(directory, "lab.db"), "--virtual-time",
             "--protocols", os.path.join(SOURCE, "protocols"), "--bind", "tcp://127.0.0.1:0",
             "--stream-bind", "tcp://127.0.0.1:0", "--ready-file", self.ready],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.ready):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("foundryd did not start: " + self.log_text())
            time.sleep(0.02)
        # A learner's key pair on the allow-list (foundryd re-reads it when it changes).
        public, secret = zmq.curve_keypair()
        self.learner_key = os.path.join(directory, "learner.secret")
        with open(self.learner_key, "w") as f:
            f.write(f"public = {public.decode()}\nsecret = {secret.decode()}\n")
        with open(os.path.join(directory, "lab.db.keys", "allowed_clients"), "a") as f:
            f.write(f"{public.decode()} learner loop\n")

    def log_text(self):
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        self.log.close()
        return code


@unittest.skipUnless(FOUNDRYD and os.path.exists(FOUNDRYD), "needs FOUNDRYD=<built foundryd binary>")
class FoundrydCampaign(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="foundry-pylearner-d-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        self.service = Foundryd(self.dir, seed=7)
        self.space = DesignSpace()

    def tearDown(self):
        code = self.service.stop()
        self.assertEqual(code, 0, self.service.log_text())
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_gp_learner_improves_through_foundryd_and_never_repeats_a_design(self):
        backend = FoundrydBackend.connect(self.service.ready, self.service.learner_key, campaign="gp")
        try:
            self.assertEqual(backend.client.hello()["caller"]["role"], "learner")
            result = run_campaign(BatchBayesOpt(self.space, seed=1), backend, self.space, 5, 4)
        finally:
            backend.close()
        best = [h["best"] for h in result["history"]]
        self.assertEqual(len(best), 5)
        self.assertGreater(best[-1], best[0], best)
        self.assertEqual(len(result["proposed"]), len(set(result["proposed"])))
        self.assertEqual(len(result["observed"]), 20)  # every design's titer came back
        self.assertEqual(len(backend.received), len(set(backend.received)))

    def test_a_learner_that_reconnects_mid_campaign_gets_every_result_once(self):
        learner = BatchBayesOpt(self.space, seed=2)
        first = FoundrydBackend.connect(self.service.ready, self.service.learner_key, campaign="r")
        observed = {}
        ids = {}
        runs = []
        for _ in range(2):
            keys = learner.propose(4, observed)
            run = first.submit_designs([self.space.to_design(k) for k in keys])
            runs.append(run)
            ids.update({self.space.design_id(k): k for k in keys})
        # Results of the first run only, then the learner goes away while the second is in the lab.
        for design_id, titer in first.wait_results(runs[0]).items():
            observed[ids[design_id]] = titer
        last_seq = first.stream.last_seq
        first.close()
        second = FoundrydBackend.connect(self.service.ready, self.service.learner_key, campaign="r",
                                         after_seq=last_seq)
        try:
            second.batches[runs[1]] = first.batches[runs[1]]
            # Whatever of the second run reached us before we left was taken then; the rest now.
            before = dict(first.titers.get(runs[1], {}))
            after = second.wait_results(runs[1])
            self.assertEqual(set(before) | set(after), set(first.batches[runs[1]]))
            # Resubmitting the same batch (a retry after the disconnect) makes no second run.
            keys = [ids[i] for i in first.batches[runs[1]]]
            self.assertEqual(second.submit_designs([self.space.to_design(k) for k in keys]), runs[1])
        finally:
            second.close()
        seen = first.received + second.received
        self.assertEqual(len(seen), len(set(seen)), "a result was delivered twice")
        self.assertTrue(all(s > last_seq for s in second.received))

    @unittest.skipUnless(DBTL_LOOP_CPP and os.path.exists(DBTL_LOOP_CPP), "needs DBTL_LOOP_CPP=<built dbtl-loop>")
    def test_cpp_learner_improves_through_foundryd_and_never_repeats_a_design(self):
        out = subprocess.run([DBTL_LOOP_CPP, "--backend", "foundryd", "--ready-file", self.service.ready,
                              "--key", self.service.learner_key, "--learners", "gp", "--seeds", "7",
                              "--cycles", "5", "--batch", "4", "-q"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = [line.split() for line in out.stdout.splitlines() if line.strip()[:1].isdigit()]
        best = [float(r[1]) for r in rows[:5]]
        self.assertEqual(len(best), 5, out.stdout)
        self.assertGreater(best[-1], best[0], out.stdout)
        self.assertIn("gp on seed 7: 20 designs proposed, 20 distinct", out.stdout)


if __name__ == "__main__":
    unittest.main()
