"""foundry_client: talk to foundryd from Python (Debian's python3-zmq; run with /usr/bin/python3).

    from foundry_client import Client, ResultStream
    client = Client.from_key_files("tcp://127.0.0.1:5555", "lab.db.keys/server.pub", "me.secret")
    run = client.submit("dbtl-campaign", designs=[{"id": "d1", ...}], request_id="cycle-1")
    stream = ResultStream(client, "tcp://127.0.0.1:5556", after=0)
    for result in stream.poll(timeout=1.0): ...   # each result exactly once, in seq order

Requests follow the Lazy Pirate pattern: a request not answered within `timeout` seconds is sent
again on a fresh socket, at most `retries` times, with the same request id, so a retried submit
creates one run. docs/api.md documents every request, reply and error.
"""

import itertools
import json
import os
import time
import uuid

import zmq

API_VERSION = 1


class FoundryError(Exception):
    """The server answered with an error reply (code as in docs/api.md)."""

    def __init__(self, code, message, diagnostics=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.diagnostics = diagnostics or []


class FoundryTimeout(Exception):
    """No reply after every retry: the server is down, unreachable, or refused our key."""


def read_key_file(path):
    """Reads a key file written by `foundry keys` ("public = ..." / "secret = ..." lines)."""
    keys = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            name, value = (part.strip() for part in line.split("=", 1))
            keys[name] = value
    if "public" not in keys:
        raise ValueError(f"{path}: no 'public = ...' line")
    return keys


class Client:
    """Requests and replies on foundryd's API socket, with timeouts, reconnection and retry."""

    def __init__(self, endpoint, server_public_key, public_key, secret_key, timeout=5.0, retries=3,
                 context=None):
        self.endpoint = endpoint
        self.keys = (server_public_key, public_key, secret_key)
        self.timeout = timeout
        self.retries = retries
        self.context = context or zmq.Context.instance()
        self._prefix = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)
        self._socket = None

    @classmethod
    def from_key_files(cls, endpoint, server_key_file, client_secret_file, **kwargs):
        server = read_key_file(server_key_file)["public"]
        mine = read_key_file(client_secret_file)
        return cls(endpoint, server, mine["public"], mine["secret"], **kwargs)

    def curve(self, socket):
        """Makes `socket` a CURVE client of foundryd with our keys."""
        server, public, secret = self.keys
        socket.curve_serverkey = server.encode()
        socket.curve_publickey = public.encode()
        socket.curve_secretkey = secret.encode()

    def _open(self):
        socket = self.context.socket(zmq.REQ)
        socket.linger = 0
        self.curve(socket)
        socket.connect(self.endpoint)
        self._socket = socket

    def close(self):
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def new_request_id(self):
        return f"{self._prefix}-{next(self._counter)}"

    def request(self, type_, request_id=None, **fields):
        """Sends one request and returns its result (a dict); raises FoundryError or FoundryTimeout."""
        message = dict(fields, v=API_VERSION, type=type_, id=request_id or self.new_request_id())
        payload = json.dumps(message).encode()
        for _attempt in range(self.retries + 1):
            if self._socket is None:
                self._open()
            self._socket.send(payload)
            if self._socket.poll(int(self.timeout * 1000), zmq.POLLIN):
                reply = json.loads(self._socket.recv())
                if reply.get("ok"):
                    return reply["result"]
                error = reply.get("error", {})
                raise FoundryError(error.get("code", "?"), error.get("message", ""), error.get("diagnostics"))
            # Lazy Pirate: a REQ socket that lost its reply is stuck; drop it and ask again.
            self.close()
        raise FoundryTimeout(f"no reply from {self.endpoint} after {self.retries + 1} tries of {self.timeout} s")

    # One method per request type (docs/api.md).
    def hello(self):
        return self.request("hello")

    def submit(self, protocol, parameters=None, designs=None, request_id=None, priority=None, deadline_h=None):
        fields = {"protocol": protocol}
        for name, value in (("parameters", parameters), ("designs", designs), ("priority", priority),
                            ("deadline_h", deadline_h)):
            if value is not None:
                fields[name] = value
        return self.request("submit", request_id=request_id, **fields)

    def validate(self, protocol, parameters=None, designs=None):
        return self.request("validate", protocol=protocol, parameters=parameters, designs=designs)

    def preview(self, protocol, parameters=None, designs=None):
        return self.request("preview", protocol=protocol, parameters=parameters, designs=designs)

    def status(self, run_id, steps=True):
        return self.request("status", run_id=run_id, steps=steps)

    def list_runs(self, state=None):
        return self.request("list", state=state)["runs"]

    def cancel(self, run_id, reason=None):
        return self.request("cancel", run_id=run_id, reason=reason)

    def hold(self, run_id, reason=None):
        return self.request("hold", run_id=run_id, reason=reason)

    def resume(self, run_id):
        return self.request("resume", run_id=run_id)

    def ack(self, run_id, step_id, choice):
        return self.request("ack", run_id=run_id, step_id=step_id, choice=choice)

    def results(self, after=0, limit=None):
        return self.request("results", after=after, limit=limit)

    def events(self, after=0, limit=None):
        return self.request("events", after=after, limit=limit)

    def devices(self):
        return self.request("devices")["devices"]

    def prompts(self):
        return self.request("prompts")["prompts"]

    def wait_for_runs(self, run_ids, timeout=60.0, poll=0.05):
        """Polls until every run has ended (done, failed or cancelled); returns their states."""
        deadline = time.monotonic() + timeout
        while True:
            states = {r["run_id"]: r["state"] for r in self.list_runs() if r["run_id"] in run_ids}
            if len(states) == len(run_ids) and all(s in ("done", "failed", "cancelled") for s in states.values()):
                return states
            if time.monotonic() > deadline:
                raise FoundryTimeout(f"runs still going after {timeout} s: {states}")
            time.sleep(poll)


class ResultStream:
    """Every result after `after`, each exactly once and in seq order, whether it arrives on the
    PUB stream or had to be fetched because we were away (or the stream dropped one).

    The rule: subscribe first, then catch up through the API; a stream message whose seq we have
    is a duplicate; one whose previous_result_seq is not our last seq means we missed something,
    so we fetch everything after our last seq through the API. Keep `last_seq` to resume later."""

    def __init__(self, client, stream_endpoint, after=0):
        self.client = client
        self.last_seq = after
        self.socket = client.context.socket(zmq.SUB)
        self.socket.linger = 0
        client.curve(self.socket)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"result")
        self.socket.connect(stream_endpoint)
        self._caught_up = False

    def close(self):
        self.socket.close(linger=0)

    def _catch_up(self):
        found = []
        while True:
            page = self.client.results(after=self.last_seq)
            for result in page["results"]:
                if result["seq"] > self.last_seq:
                    found.append(result)
                    self.last_seq = result["seq"]
            if not page["more"]:
                return found

    def poll(self, timeout=1.0):
        """Results that arrived since the last call (waiting up to `timeout` s for the first)."""
        found = []
        if not self._caught_up:
            found += self._catch_up()
            self._caught_up = True
        wait_ms = int(timeout * 1000)
        while self.socket.poll(0 if found else wait_ms, zmq.POLLIN):
            _topic, seq, body = self.socket.recv_multipart()
            seq = int(seq)
            if seq <= self.last_seq:
                continue  # fetched through the API already
            result = json.loads(body)
            if result["previous_result_seq"] != self.last_seq:
                found += self._catch_up()  # we missed one: the API has it (and this one)
                continue
            found.append(result)
            self.last_seq = seq
        return found
