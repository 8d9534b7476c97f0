"""The Python client against a real foundryd: hello, submit with a retried request id, the
exactly-once result stream across a reconnect, error replies, and a timeout for an unknown key.

    /usr/bin/python3 tests/service/python_client_test.py FOUNDRYD SOURCE_DIR
"""

import faulthandler
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

FOUNDRYD, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SOURCE, "clients", "python"))
from foundry_client import Client, FoundryError, FoundryTimeout, ResultStream  # noqa: E402

DESIGN = [{"id": "p1", "promoter": "J23100", "rbs": "B0034", "gene": "v1"}]
WATCHDOG_S = float(os.environ.get("FOUNDRY_TEST_WATCHDOG_S", "90"))  # ctest's timeout is 120 s


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="foundryd-py-")
        cls.keys = os.path.join(cls.dir, "keys")
        ready = os.path.join(cls.dir, "ready.json")
        cls.log = open(os.path.join(cls.dir, "foundryd.log"), "w")
        cls.process = subprocess.Popen(
            [FOUNDRYD, "--workcell", os.path.join(SOURCE, "protocols/workcells/sim-foundry.json"),
             "--db", os.path.join(cls.dir, "lab.db"), "--keys", cls.keys,
             "--protocols", os.path.join(SOURCE, "protocols"), "--bind", "tcp://127.0.0.1:*",
             "--stream-bind", "tcp://127.0.0.1:*", "--ready-file", ready, "--virtual-time"],
            stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(ready):
            if cls.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("foundryd did not start")
            time.sleep(0.02)
        with open(ready) as f:
            cls.endpoints = json.load(f)
        cls.watchdog = threading.Timer(WATCHDOG_S, cls.report_hang)
        cls.watchdog.daemon = True
        cls.watchdog.start()

    @classmethod
    def report_hang(cls):
        """Before ctest's timeout kills us without a word: where we wait, and what foundryd did."""
        print(f"\n--- still running after {WATCHDOG_S} s; Python threads:", file=sys.stderr, flush=True)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        cls.log.flush()
        with open(cls.log.name) as f:
            print("--- foundryd log, last 60 lines:\n" + "".join(f.readlines()[-60:]), file=sys.stderr, flush=True)
        if shutil.which("gdb") and cls.process.poll() is None:
            stacks = subprocess.run(["gdb", "-p", str(cls.process.pid), "-batch", "-ex", "thread apply all bt"],
                                    capture_output=True, text=True, timeout=60)
            print("--- foundryd threads:\n" + stacks.stdout[-20000:], file=sys.stderr, flush=True)

    @classmethod
    def tearDownClass(cls):
        cls.watchdog.cancel()
        cls.process.send_signal(signal.SIGTERM)
        code = cls.process.wait(timeout=30)
        cls.log.close()
        shutil.rmtree(cls.dir)
        assert code == 0, f"foundryd exited {code}"

    def client(self, name="staff", **kwargs):
        return Client.from_key_files(self.endpoints["api"], os.path.join(self.keys, "server.pub"),
                                     os.path.join(self.keys, name + ".secret"), **kwargs)

    def test_a_retried_submit_creates_one_run_and_results_arrive_once(self):
        with self.client() as client:
            self.assertEqual(client.hello()["caller"]["role"], "staff")
            stream = ResultStream(client, self.endpoints["stream"])
            first = client.submit("dbtl-quick", designs=DESIGN, request_id="py-1")
            again = client.submit("dbtl-quick", designs=DESIGN, request_id="py-1")
            self.assertEqual(first["run_id"], again["run_id"])
            self.assertFalse(again["created"])
            client.wait_for_runs([first["run_id"]])
            got = stream.poll(1.0)
            got += stream.poll(0.3)
            stream.close()
            # Away: another run; back with the last seq.
            second = client.submit("dbtl-quick", designs=DESIGN, request_id="py-2")
            client.wait_for_runs([second["run_id"]])
            stream = ResultStream(client, self.endpoints["stream"], after=got[-1]["seq"])
            got += stream.poll(1.0)
            got += stream.poll(0.3)
            stream.close()
            every = []
            after = 0
            while True:
                page = client.results(after=after)
                every += [r["seq"] for r in page["results"]]
                after = page["last_seq"]
                if not page["more"]:
                    break
            self.assertEqual([r["seq"] for r in got], every)
            self.assertEqual({r["run_id"] for r in got}, {first["run_id"], second["run_id"]})

    def test_errors_are_raised_with_their_code(self):
        with self.client("staff") as client:
            with self.assertRaises(FoundryError) as error:
                client.status("no-such-run")
            self.assertEqual(error.exception.code, "not_found")
            with self.assertRaises(FoundryError) as error:
                client.submit("dbtl-quick", designs=[{"promoter": "x"}])
            self.assertEqual(error.exception.code, "invalid_input")
            self.assertTrue(error.exception.diagnostics)

    def test_a_client_without_an_allowed_key_times_out(self):
        from foundry_client import read_key_file  # noqa: F401
        import zmq
        public, secret = zmq.curve_keypair()
        server = Client.from_key_files(self.endpoints["api"], os.path.join(self.keys, "server.pub"),
                                       os.path.join(self.keys, "staff.secret")).keys[0]
        stranger = Client(self.endpoints["api"], server, public.decode(), secret.decode(), timeout=0.3, retries=1)
        start = time.monotonic()
        with self.assertRaises(FoundryTimeout):
            stranger.hello()
        self.assertLess(time.monotonic() - start, 5)
        stranger.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)  # each test's name before it runs
