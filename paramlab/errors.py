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
    # whether the request may have reached the server (set by the transport): a non-streaming
    # request that was sent is never resent, since the server may still be generating it
    sent = False


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


class RequestTooLargeError(RateLimitError):       # 429 for one request above the whole per-minute limit
    pass


# OpenAI words a token-rate 429 "… (TPM): Limit 200000, Requested 2500013." when the request alone
# exceeds the limit, and "Limit 10000, Used 9000, Requested 2000. Please try again in 6ms." when
# waiting frees room: only the first can never succeed, however long the client waits.
_RATE_NUMBERS = re.compile(r"Limit (\d+),(?: Used \d+,)? Requested (\d+)")


def _above_whole_limit(message: str) -> bool:
    m = _RATE_NUMBERS.search(message)
    return bool(m) and int(m[2]) > int(m[1])


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


def _detail_text(v: Any) -> str:
    """FastAPI's `detail`: a string, or a list of validation errors {loc, msg}."""
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        out = []
        for d in v:
            if isinstance(d, dict) and "msg" in d:
                loc = ".".join(str(x) for x in (d.get("loc") or ()) if x != "body")
                out.append(f"{loc}: {d['msg']}" if loc else str(d["msg"]))
            else:
                out.append(str(d))
        return "; ".join(out)
    if isinstance(v, dict):
        return str(v.get("message") or v.get("msg") or json.dumps(v)[:MAX_BODY_EXCERPT])
    return json.dumps(v)[:MAX_BODY_EXCERPT]


def _extras(err: dict) -> str:
    """Details providers add beside the message: OpenRouter's upstream text in metadata.raw,
    Groq's failed_generation (the model output that failed validation), the categories Azure's
    content filter blocked (innererror.content_filter_result)."""
    out = []
    meta = err.get("metadata")
    if isinstance(meta, dict):
        raw = meta.get("raw")
        if isinstance(raw, (dict, list)):
            inner = parse_error_payload(raw) if isinstance(raw, dict) else None
            raw = inner.message if inner else json.dumps(raw)
        if isinstance(raw, str) and raw.strip():
            try:
                inner = parse_error_payload(json.loads(raw))
                raw = inner.message if inner else raw
            except ValueError:
                pass
            name = meta.get("provider_name")
            out.append(f"{name}: {raw.strip()}" if name else raw.strip())
    fg = err.get("failed_generation")
    if isinstance(fg, str) and fg.strip():
        out.append(f"the model's output that failed: {fg.strip()}")
    inner = err.get("innererror")
    tripped = _tripped(inner.get("content_filter_result")) if isinstance(inner, dict) else ""
    if tripped:
        out.append(f"blocked by the content filter: {tripped}")
    return " — ".join(out)


def _tripped(results: Any) -> str:
    """Azure's content-filter verdicts, only the categories that blocked: "self_harm at severity medium"."""
    if not isinstance(results, dict):
        return ""
    hits = []
    for name, r in results.items():
        if isinstance(r, dict) and r.get("filtered") is True:
            severity = r.get("severity")
            hits.append(f"{name} at severity {severity}" if isinstance(severity, str) else str(name))
    return ", ".join(hits)


def parse_error_payload(payload: Any) -> ErrorInfo | None:
    """Extract an error from a decoded JSON payload, or None if it is not an error."""
    if isinstance(payload, list) and len(payload) == 1:  # some gateways wrap the error in a list
        payload = payload[0]
    if not isinstance(payload, dict):
        return None
    err = payload.get("error")
    if isinstance(err, dict):  # OpenAI, LiteLLM, newer vLLM, OpenRouter, Groq
        msg = err.get("message") or err.get("msg") or _detail_text(err.get("detail")) if (
            err.get("message") or err.get("msg") or err.get("detail")) else json.dumps(err)[:MAX_BODY_EXCERPT]
        extra = _extras(err)
        msg = f"{msg} ({extra})" if extra and extra not in str(msg) else msg
        return ErrorInfo(str(msg), _str(err.get("type")), _str(err.get("code")), _str(err.get("param")))
    if isinstance(err, str) and err:  # LM Studio and others: a bare string
        msg = err if not isinstance(payload.get("message"), str) else f"{err}: {payload['message']}"
        return ErrorInfo(msg, _str(payload.get("type")), _str(payload.get("code")), _str(payload.get("param")))
    if payload.get("object") == "error" or ("message" in payload and "choices" not in payload):
        msg = payload.get("message") or _detail_text(payload.get("detail")) if (
            payload.get("message") or payload.get("detail")) else json.dumps(payload)[:MAX_BODY_EXCERPT]
        return ErrorInfo(str(msg), _str(payload.get("type")), _str(payload.get("code")), _str(payload.get("param")))
    if payload.get("detail") is not None and "choices" not in payload:  # FastAPI (llama-cpp-python, older vLLM)
        return ErrorInfo(_detail_text(payload["detail"]))
    return None


_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_DROP = re.compile(r"<(script|style|head)[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def shorten_body(text: str, limit: int = MAX_BODY_EXCERPT) -> str:
    """A readable one-line excerpt of a non-JSON body: an HTML error page becomes its title
    and its text (the message is in the text: "Unsupported method ('POST')")."""
    text = text.lstrip("\ufeff")
    if "<" in text and ">" in text:
        title_m = _TITLE.search(text)
        title = " ".join(html.unescape(title_m.group(1)).split()) if title_m else ""
        body = " ".join(html.unescape(_TAG.sub(" ", _DROP.sub(" ", _COMMENT.sub(" ", text)))).split())
        if title and body.startswith(title):  # the <h1> usually repeats the title
            body = body[len(title):].strip()
        text = f"{title}: {body}" if title and body else (title or body)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_from_body(body: bytes | str) -> ErrorInfo:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text.lstrip("\ufeff")
    try:
        info = parse_error_payload(json.loads(text))
    except ValueError:
        info = None
    if info:
        return info
    return ErrorInfo(shorten_body(text) or "(empty body)")


# Terse messages of well-known servers, explained (the server's words are kept first).
HINTS = {
    "No connected db.": "LiteLLM proxy: this key is not the proxy's master key, and the proxy has no "
                        "database to look up other keys: check the API key",
}


def error_for_status(status: int, body: bytes | str, request_id: str | None = None,
                     content_type: str | None = None) -> APIStatusError:
    info = message_from_body(body)
    if info.message in HINTS:
        info.message = f"{info.message} ({HINTS[info.message]})"
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    if status == 429 and (info.code == "insufficient_quota" or info.type == "insufficient_quota"):
        cls = InsufficientQuotaError
    elif status == 429 and _above_whole_limit(info.message):
        cls = RequestTooLargeError
    return cls(info.message, status=status, type=info.type, code=info.code, param=info.param,
               request_id=request_id)
