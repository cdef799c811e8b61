"""One exception family for everything a request can go wrong with.

The server's message is pulled out of the error shapes seen in the wild: OpenAI's nested
{"error": {...}}, vLLM's flat {"object": "error", "message": ...}, LM Studio's bare string
`error`, LiteLLM's string codes, and non-JSON bodies such as a proxy's HTML 502 page.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_BODY_EXCERPT = 300


class ChatError(Exception):
    """Base class. `partial` holds whatever reply text had arrived before the failure."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None, type: str | None = None,
                 code: str | None = None, param: str | None = None, request_id: str | None = None,
                 partial: dict[int, str] | None = None):
        super().__init__(message)
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.partial = partial or {}

    # The message lives in args, so redacting .message also cleans repr() and tracebacks.
    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""

    @message.setter
    def message(self, value: str) -> None:
        self.args = (value,)

    def __str__(self) -> str:
        where = f"HTTP {self.status}: " if self.status else ""
        field = f" (field: {self.param})" if self.param else ""
        return f"{where}{self.message}{field}"

    @property
    def error_class(self) -> str:
        return type(self).__name__


class APIConnectionError(ChatError):
    kind = "connection"


class APITimeoutError(APIConnectionError):
    kind = "timeout"


class StreamError(ChatError):
    """The server reported an error in the middle of a stream."""
    kind = "stream"


class RedirectError(ChatError):
    kind = "redirect"


class InvalidResponseError(ChatError):
    """A 2xx answer that is not a usable chat completion (no choices, not JSON...)."""
    kind = "invalid_response"


class APIStatusError(ChatError):
    kind = "status"


class BadRequestError(APIStatusError):            # 400
    pass


class AuthenticationError(APIStatusError):        # 401
    pass


class PermissionDeniedError(APIStatusError):      # 403
    pass


class NotFoundError(APIStatusError):              # 404
    pass


class ConflictError(APIStatusError):              # 409
    pass


class UnprocessableEntityError(APIStatusError):   # 422
    pass


class RateLimitError(APIStatusError):             # 429
    pass


class InsufficientQuotaError(RateLimitError):     # 429 insufficient_quota: waiting will not help
    pass


class InternalServerError(APIStatusError):        # 5xx
    pass


_BY_STATUS = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError,
              404: NotFoundError, 409: ConflictError, 422: UnprocessableEntityError,
              429: RateLimitError}


@dataclass
class ErrorInfo:
    message: str
    type: str | None = None
    code: str | None = None
    param: str | None = None


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def parse_error_payload(payload: Any) -> ErrorInfo | None:
    """Extract an error from a decoded JSON payload, or None if it is not an error."""
    if not isinstance(payload, dict):
        return None
    err = payload.get("error")
    if isinstance(err, dict):  # OpenAI, LiteLLM, newer vLLM
        msg = err.get("message") or err.get("msg") or json.dumps(err)[:MAX_BODY_EXCERPT]
        return ErrorInfo(str(msg), _str(err.get("type")), _str(err.get("code")), _str(err.get("param")))
    if isinstance(err, str) and err:  # LM Studio and others: a bare string
        return ErrorInfo(err, _str(payload.get("type")), _str(payload.get("code")), _str(payload.get("param")))
    if payload.get("object") == "error" or ("message" in payload and "choices" not in payload):
        msg = payload.get("message") or payload.get("detail") or json.dumps(payload)[:MAX_BODY_EXCERPT]
        return ErrorInfo(str(msg), _str(payload.get("type")), _str(payload.get("code")), _str(payload.get("param")))
    if isinstance(payload.get("detail"), (str, list)) and "choices" not in payload:  # FastAPI-style
        detail = payload["detail"]
        return ErrorInfo(detail if isinstance(detail, str) else json.dumps(detail)[:MAX_BODY_EXCERPT])
    return None


_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SCRIPT_STYLE = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.I | re.S)


def shorten_body(text: str, limit: int = MAX_BODY_EXCERPT) -> str:
    """A readable one-line excerpt of a non-JSON body (an HTML error page becomes its text)."""
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        body = _TAG.sub(" ", _SCRIPT_STYLE.sub(" ", text))
        text = html.unescape(body)
        if title:
            t = html.unescape(title.group(1)).strip()
            text = t if t and t in text else f"{t} {text}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_from_body(body: bytes | str) -> ErrorInfo:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        info = parse_error_payload(json.loads(text))
    except ValueError:
        info = None
    if info:
        return info
    return ErrorInfo(shorten_body(text) or "(empty body)")


def error_for_status(status: int, body: bytes | str, request_id: str | None = None) -> APIStatusError:
    info = message_from_body(body)
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    if status == 429 and (info.code == "insufficient_quota" or info.type == "insufficient_quota"):
        cls = InsufficientQuotaError
    return cls(info.message, status=status, type=info.type, code=info.code, param=info.param,
               request_id=request_id)
