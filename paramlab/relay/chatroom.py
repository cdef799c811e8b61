"""The /chat-room API: one conversation per client (relay key label and client address),
the system prompt and sampling values from the configuration, replies as {"code", "msg", "data"}."""
from __future__ import annotations

import threading
from typing import Any, Mapping

from paramlab.relay.access import Caller
from paramlab.relay.wire import RelayError

PARAM_NAMES = ("max_tokens", "temperature", "top_p", "presence_penalty", "frequency_penalty")
MAX_CLIENTS = 10_000  # conversations kept; the oldest is forgotten first


def reply(data: Any, code: int = 200, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def user_message(obj: Any) -> dict[str, str]:
    if not isinstance(obj, dict):
        raise RelayError(400, "The body must be a JSON object: {\"role\": \"user\", \"content\": \"…\"}.")
    role = obj.get("role", "user")
    if role != "user":
        raise RelayError(400, f"role: must be 'user', got {role!r}", param="role")
    content = obj.get("content")
    if not isinstance(content, str) or not content.strip():
        raise RelayError(400, "content: must be the message text", param="content")
    return {"role": "user", "content": content}


class Rooms:
    """Conversation context per client, bounded to the last `keep` messages."""

    def __init__(self, keep: int = 20):
        self.keep = max(2, keep)
        self._rooms: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(caller: Caller) -> tuple[str, str]:
        return caller.label, caller.address

    def history(self, caller: Caller) -> list[dict[str, str]]:
        with self._lock:
            return list(self._rooms.get(self.key(caller), ()))

    def remember(self, caller: Caller, user: dict[str, str], answer: str) -> None:
        with self._lock:
            room = self._rooms.pop(self.key(caller), [])
            room += [user, {"role": "assistant", "content": answer}]
            self._rooms[self.key(caller)] = room[-self.keep:]
            while len(self._rooms) > MAX_CLIENTS:
                self._rooms.pop(next(iter(self._rooms)))

    def reset(self, caller: Caller) -> int:
        """Forget this client's conversation; returns how many messages it held."""
        with self._lock:
            return len(self._rooms.pop(self.key(caller), []))

    def count(self) -> int:
        return len(self._rooms)


def request_body(settings: Mapping[str, Any], model: str, history: list[dict[str, str]],
                 user: dict[str, str], stream: bool) -> dict[str, Any]:
    msgs = ([{"role": "system", "content": settings["system_prompt"]}] if settings.get("system_prompt") else [])
    body: dict[str, Any] = {"model": model, "messages": msgs + history + [user]}
    body.update({n: settings[n] for n in PARAM_NAMES if settings.get(n) is not None})
    if stream:
        body["stream"] = True
    return body
