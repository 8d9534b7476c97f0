"""Backend that sends each batch to a running foundryd and takes the titers from its result stream.

submit_designs(batch) -> run id: one `submit` request (protocol by name, designs as the campaign's
`designs` parameter) with a request id made from the batch, so a retried submit makes one run.
wait_results(run id) -> {design id: titer}: results arrive on the PUB stream exactly once (the
client's ResultStream catches up through the API after a gap); a run that ends without some
cultivation's titer returns what it has. Needs the Python client, clients/python/foundry_client.py.
"""
import hashlib
import json
import os
import sys
import time

_CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "clients", "python")
if _CLIENTS not in sys.path:
    sys.path.insert(0, _CLIENTS)

from foundry_client import Client, ResultStream  # noqa: E402

ENDED = ("done", "failed", "cancelled")


class FoundrydBackend:
    def __init__(self, client, stream_endpoint, protocol="dbtl-campaign", extra_params=(), timeout_s=300.0,
                 after_seq=0, campaign="campaign"):
        self.client = client
        self.protocol = protocol
        self.parameters = {}
        for p in extra_params:
            name, _, value = p.partition("=")
            try:
                self.parameters[name] = json.loads(value)
            except json.JSONDecodeError:
                self.parameters[name] = value  # a plain string, as `foundry run --param`
        self.timeout_s = timeout_s
        self.campaign = campaign
        self.stream = ResultStream(client, stream_endpoint, after=after_seq)
        self.titers = {}  # run id -> {design id: titer}, filled from the stream for every run
        self.batches = {}  # run id -> design ids submitted
        self.received = []  # seq of every result taken, to show none came twice
        self.on_wait = None  # called about every 0.2 s while waiting for results (e.g. a progress display)

    @classmethod
    def connect(cls, ready_file, secret_file, **kwargs):
        """From foundryd's --ready-file (endpoints and server key) and a client key file."""
        with open(ready_file) as f:
            ready = json.load(f)
        from foundry_client import read_key_file
        mine = read_key_file(secret_file)
        client = Client(ready["api"], ready["server_public_key"], mine["public"], mine["secret"])
        return cls(client, ready["stream"], **kwargs)

    def submit_designs(self, designs):
        # The same batch of the same campaign is the same request: a retry never makes a second run.
        digest = hashlib.sha256(json.dumps(designs, sort_keys=True).encode()).hexdigest()[:16]
        reply = self.client.submit(self.protocol, parameters=self.parameters or None, designs=designs,
                                   request_id=f"{self.campaign}-{digest}")
        self.titers.setdefault(reply["run_id"], {})
        self.batches[reply["run_id"]] = [d["id"] for d in designs]
        return reply["run_id"]

    def _take(self, results):
        for r in results:
            self.received.append(r["seq"])
            run, step = r["run_id"], r["step_id"]
            if not step.endswith("/cultivate"):
                continue
            for m in r["measurements"]:
                if m["name"] == "titer":
                    self.titers.setdefault(run, {})[step.split("/")[0]] = m["value"]

    def _catch_up(self):
        # Everything after the stream's last seq, through the API; the stream then skips these as
        # duplicates (ResultStream's rule), so each result is still taken exactly once.
        while True:
            page = self.client.results(after=self.stream.last_seq)
            fresh = [r for r in page["results"] if r["seq"] > self.stream.last_seq]
            self._take(fresh)
            if fresh:
                self.stream.last_seq = fresh[-1]["seq"]
            if not page["more"]:
                return

    def wait_results(self, run_id):
        expected = self.batches.get(run_id)
        deadline = time.monotonic() + self.timeout_s
        while True:
            self._take(self.stream.poll(timeout=0.2))
            if self.on_wait:
                self.on_wait()
            got = self.titers.get(run_id, {})
            if expected is not None and set(expected) <= set(got):
                return {i: got[i] for i in expected}
            state = self.client.status(run_id, steps=False)["state"]
            if state in ENDED:
                self._catch_up()  # results committed before the run ended, not yet on the stream
                return dict(self.titers.get(run_id, {}))
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {state} after {self.timeout_s} s")

    def close(self):
        self.stream.close()
        self.client.close()
