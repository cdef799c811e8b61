"""The relay: admits a caller, validates the body, picks the upstream by model, forwards through
ParamLab's client (so the ledger and the request log hear of every request through the client's
observers) and hands back what the client should receive. Synchronous: the HTTP layer runs it in a
thread per request."""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterable

import requests

from sqlalchemy import select

from paramlab.backends import registry
from paramlab.backends.engine import get_engine
from paramlab.client.chat import ChatClient
from paramlab.client.result import ChatResult
from paramlab.client.retry import RetryPolicy
from paramlab.relay import chatroom
from paramlab.relay.access import Caller, Gate, check_budget
from paramlab.relay.forward import (Prepared, Passthrough, completion_json, parse_json, synthesized_stream,
                                    upstream_error, validate)
from paramlab.relay.routing import Routes
from paramlab.relay.wire import RelayError, error_body, json_frame
from paramlab.request import schema
from paramlab.settings import Endpoint, Settings
from paramlab.transport import Timeouts, iter_body
from paramlab.usage import budget
from paramlab.usage.ledger import Ledger
from paramlab.usage.ledger import queries as Q
from paramlab.usage.ledger.schema import REQUESTS as R

PAGE = "relay"  # the ledger's page for every relayed request
Emit = Callable[[bytes], None]
HandOver = Callable[[requests.Response, Passthrough, Timeouts], Iterable[bytes] | None]


def embedded_resolver(endpoint: Endpoint) -> Endpoint:
    """Configured endpoints as they are; the embedded one started (once per process) with its real URL."""
    return get_engine().endpoint() if endpoint.embedded else endpoint


class Relay:
    def __init__(self, settings: Settings, *, local_only: bool,
                 resolve: Callable[[Endpoint], Endpoint] = embedded_resolver,
                 ledger: Callable[[], Ledger | None] = lambda: None):
        rs = settings.relay
        self.settings = settings
        self.gate = Gate(rs.keys, local_only)
        self.routes = Routes(settings.endpoints, rs.models)
        self.rooms = chatroom.Rooms(rs.context_messages)
        self.max_body = rs.max_body_bytes
        self.room_settings = dict(rs.chat_room)
        self._resolve, self._ledger = resolve, ledger
        self._clients: dict[tuple[str, str], ChatClient] = {}
        self._lock = threading.Lock()
        self.errors = list(self.routes.errors) + [
            f"chat_room: {e}" for e in schema.validate_params(
                {n: self.room_settings.get(n) for n in chatroom.PARAM_NAMES})]

    # -- access ------------------------------------------------------------------------------
    def admit(self, authorization: str | None, address: str, api_key_header: str | None = None) -> Caller:
        caller = self.gate.admit(authorization, address, api_key_header)
        check_budget(caller, self.spent)
        return caller

    def spent(self, label: str) -> tuple[float, float] | None:
        """Dollars this relay key spent today and this month (local time), from the shared ledger."""
        led = self._ledger()
        if led is None:
            return None
        day, month = budget.period_starts()
        with led.engine.connect() as conn:
            return tuple(float(Q.totals(conn, Q.Filters(start_ms=int(t * 1000), labels=[label], pages=[PAGE]))["cost"])
                         for t in (day, month))  # type: ignore[return-value]

    @staticmethod
    def context(caller: Caller) -> dict[str, Any]:
        # The ledger's session column holds the client's address: relayed requests group by key and client.
        return {"page": PAGE, "label": caller.label, "session_id": caller.address}

    # -- upstream ----------------------------------------------------------------------------
    def client_for(self, model: str) -> ChatClient:
        endpoint = self._resolve(self.routes.endpoint_for(model))
        with self._lock:
            key = (endpoint.name, endpoint.base_url)
            if key not in self._clients:
                # No retries here: the application's own SDK retries, and two layers would multiply them.
                self._clients[key] = ChatClient(endpoint, retry=RetryPolicy(max_retries=0))
            return self._clients[key]

    def prepare(self, raw: bytes) -> tuple[Prepared, ChatClient]:
        obj = parse_json(raw)
        model = obj.get("model")
        client = self.client_for(model) if isinstance(model, str) and model.strip() else None
        prep = validate(obj, registry.kind_of(client.endpoint) if client else None)  # no model: validation says so
        return prep, client  # type: ignore[return-value]

    # -- /v1/chat/completions ------------------------------------------------------------------
    def complete(self, prep: Prepared, client: ChatClient, caller: Caller) -> tuple[dict[str, Any], dict[str, str]]:
        """The reply's JSON, and the upstream's request id and rate-limit headers to hand on."""
        result = client.run(prep.body, context=self.context(caller))
        if result.status == "error":
            raise upstream_error(result)
        headers = dict(result.metrics.rate_limits)
        if result.metrics.request_id and result.metrics.request_id != result.id:
            headers["x-request-id"] = result.metrics.request_id
        return completion_json(result), headers

    def stream(self, prep: Prepared, client: ChatClient, caller: Caller, emit: Emit,
               holder: list | None = None, hand_over: HandOver | None = None) -> ChatResult:
        """Pass the upstream's events to `emit` as they arrive; returns the finished result.

        `hand_over(response, passthrough, timeouts)`, if given, may take the response's body to be
        read and passed on elsewhere (the app's event loop, see handover.py), returning its bytes once
        they are all in; else (None) this thread reads it and emits each event."""
        passthrough = Passthrough(strip_usage=not prep.wants_usage)
        elsewhere: list[bool] = []

        def on_event(event: str | None, data: str) -> None:
            if not elsewhere:
                out = passthrough.pass_on(event, data)
                if out is not None:
                    emit(out)

        def read_body(resp) -> Iterable[bytes]:
            body = hand_over(resp, passthrough, client.timeouts) if hand_over else None
            if body is None:
                return iter_body(resp)
            elsewhere.append(True)
            return body

        result = client.run(prep.body, on_event=on_event, read_body=read_body, stream_holder=holder,
                            context=self.context(caller))
        held = passthrough.held
        if passthrough.sent == 0 and result.status != "error":
            held = synthesized_stream(result, prep.wants_usage)
        for f in held:  # the end, now that the request is recorded
            emit(f)
        return result

    @staticmethod
    def stream_tail(result: ChatResult) -> bytes | None:
        """After events were sent, a failure the upstream did not itself report in the stream (a lost
        connection, a deadline) ends the stream with an error event, as OpenAI's streams do."""
        if result.status != "error" or result.error_class == "StreamError":
            return None
        e = upstream_error(result)
        return json_frame(error_body(e.message, e.type, e.param, e.code))

    def models(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": e.name}
                                           for m, e in self.routes.models()]}

    # -- /chat-room ----------------------------------------------------------------------------
    def room_prepare(self, caller: Caller, raw: bytes, stream: bool) -> tuple[Prepared, ChatClient, dict]:
        user = chatroom.user_message(parse_json(raw))
        model = self.room_settings.get("model") or self.routes.first_model()
        if not model:
            raise RelayError(503, "No model for /chat-room: set CHAT_MODEL or chat_room.model.", code="no_model")
        body = chatroom.request_body(self.room_settings, model, self.rooms.history(caller), user, stream)
        client = self.client_for(model)
        return validate(body, registry.kind_of(client.endpoint)), client, user

    def room_reply(self, caller: Caller, raw: bytes) -> dict[str, Any]:
        prep, client, user = self.room_prepare(caller, raw, stream=False)
        result = client.run(prep.body, context=self.context(caller))
        if result.status == "error":
            raise upstream_error(result)
        text = result.choices[0].text if result.choices else ""
        self.rooms.remember(caller, user, text)
        return chatroom.reply(text)

    def room_stream(self, caller: Caller, prep: Prepared, client: ChatClient, user: dict, emit: Emit,
                    holder: list | None = None) -> ChatResult:
        """Stream the reply's text (choice 0) to `emit`; the conversation keeps whatever arrived."""
        def on_delta(d) -> None:
            if d.index == 0 and d.text:
                emit(d.text.encode("utf-8"))

        result = client.run(prep.body, on_delta=on_delta, stream_holder=holder, context=self.context(caller))
        text = result.choices[0].text if result.choices else ""
        if text:
            self.rooms.remember(caller, user, text)
        return result

    # -- what the Relay page shows -------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {"mode": self.gate.mode, "keys": [{"label": k.label, "daily_budget": k.daily_budget,
                                                  "monthly_budget": k.monthly_budget} for k in self.gate.keys],
                "models": [(m, e.name) for m, e in self.routes.models()], "errors": self.errors,
                "conversations": self.rooms.count()}


RECENT_COLUMNS = ("id", "ts_ms", "label", "session_id", "endpoint", "model", "status", "stream", "prompt_tokens",
                  "completion_tokens", "cost", "ttft_ms", "latency_ms")


def recent(led: Ledger, limit: int = 50) -> list[dict[str, Any]]:
    """The newest relayed requests with their relay key and client address, for the Relay page."""
    q = (select(*[R.c[c] for c in RECENT_COLUMNS]).where(R.c.page == PAGE)
         .order_by(R.c.ts_ms.desc(), R.c.id.desc()).limit(limit))
    with led.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
