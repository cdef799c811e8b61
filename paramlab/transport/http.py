"""`Transport(endpoint)`: the one way ParamLab sends an HTTP request.

Every call, whatever its path, gets the same rules: the URL passes the safety check on its
resolved addresses before every attempt, the connection checks the peer it reached, the key
goes only to the host it was entered for (one place builds the auth headers), the configured
proxy (or HTTP(S)_PROXY honouring NO_PROXY) and CA bundle apply, ~/.netrc is never read,
a watchdog enforces the overall deadline, bodies are decoded (gzip/deflate), and messages
are free of the key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import orjson
import requests
from requests.utils import get_environ_proxies

from paramlab import errors
from paramlab import settings
from paramlab.safety import urls as urlsafety
from paramlab.safety.redaction import redact
from paramlab.settings import Endpoint
from paramlab.transport.body import read_body
from paramlab.transport.connection import current, make_session
from paramlab.transport.decoding import UnsupportedEncoding
from paramlab.transport.describe import describe
from paramlab.transport.watchdog import Watchdog

MAX_ERROR_BODY = 64 * 1024
# Headers real servers carry their request id in, most specific first.
REQUEST_ID_HEADERS = ("x-request-id", "x-litellm-call-id", "apim-request-id", "x-ms-request-id",
                      "request-id", "x-amzn-requestid", "x-goog-request-id", "cf-ray")


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0    # longest silence inside a stream
    # Overall deadline, retries included, as openai-python's 600 s. A non-streaming reply is
    # silent until the whole generation is done, so its read timeout is this deadline too.
    total: float = 600.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    data: Any                # the decoded JSON body


def request_id(headers: Mapping[str, str]) -> str | None:
    lower = {k.lower(): v for k, v in headers.items()}
    return next((lower[h] for h in REQUEST_ID_HEADERS if lower.get(h)), None)


class Transport:
    def __init__(self, endpoint: Endpoint, *, timeouts: Timeouts | None = None,
                 session: requests.Session | None = None):
        self.endpoint = endpoint
        self.timeouts = timeouts or Timeouts()
        self.session = session or make_session(endpoint.ca_bundle, endpoint.verify_tls)

    # -- URLs and headers ----------------------------------------------------------
    def url(self, path: str, *, root: bool = False) -> str:
        """`path` under the base URL, or under the server root (the base URL without a
        trailing /v1) for a server's own endpoints such as llama.cpp's /tokenize."""
        base = self.endpoint.base_url.rstrip("/")
        if root and base.endswith("/v1"):
            base = base[:-3]
        return base + "/" + path.lstrip("/")

    def key_allowed(self, url: str) -> bool:
        return urlsafety.same_host(url, self.endpoint.key_host)

    def auth_headers(self, url: str) -> dict[str, str]:
        """The only place credentials enter a request; none for another host than the key's."""
        h: dict[str, str] = {}
        if self.endpoint.api_key and self.key_allowed(url):
            h["Authorization"] = f"Bearer {self.endpoint.api_key.reveal()}"
        if self.endpoint.organization:
            h["OpenAI-Organization"] = self.endpoint.organization
        return h

    def headers(self, url: str, accept: str = "application/json") -> dict[str, str]:
        return {"Content-Type": "application/json", "Accept": accept, **self.auth_headers(url)}

    def proxies(self, url: str) -> dict[str, str]:
        if self.endpoint.proxy:
            return {"http": self.endpoint.proxy, "https": self.endpoint.proxy}
        return get_environ_proxies(url)  # HTTP(S)_PROXY, honouring NO_PROXY

    def clean(self, text: str) -> str:
        return redact(text, [self.endpoint.api_key.reveal()])

    def check_target(self, url: str) -> bool | None:
        """Before every attempt: the URL passes urlsafety on its resolved addresses, and a key
        is only ever sent to the host it was entered for. Returns the policy for checking the
        connected peer again, or None where the peer is a proxy or our own engine."""
        ep = self.endpoint
        exempt = urlsafety.is_embedded(ep)
        proxied = bool(self.proxies(url))
        private_ok = settings.current().allow_private
        urlsafety.check_url(url, exempt=exempt, proxied=proxied, private_ok=private_ok)
        if ep.api_key and not self.key_allowed(url):
            raise urlsafety.UnsafeURLError(
                f"the API key was entered for {ep.key_host}, not {ep.host}: it is not sent to another "
                "host; enter the key again for this base URL")
        return None if exempt or proxied else private_ok

    # -- one attempt ---------------------------------------------------------------
    def send(self, method: str, url: str, *, data: bytes | None = None, headers: Mapping[str, str],
             watchdog: Watchdog, connect: float, read: float) -> requests.Response:
        """One attempt, body not read (stream=True). Raises UnsafeURLError before anything is
        sent, APITimeoutError / APIConnectionError (`.sent` says whether the request may have
        reached the server), never a requests exception."""
        peer_policy = self.check_target(url)  # every attempt: DNS answers can change
        current.watchdog = watchdog
        current.peer_policy = peer_policy
        host = self.endpoint.address or url  # named in every failure below
        try:
            return self.session.request(method, url, data=data, headers=dict(headers), stream=True,
                                        allow_redirects=False, proxies=self.proxies(url),
                                        timeout=(connect, read))
        except requests.exceptions.ConnectTimeout:
            raise _with(errors.APITimeoutError(
                f"{host} did not accept the connection within {connect:g} s (connect timeout)"), sent=False) from None
        except requests.exceptions.ReadTimeout:
            raise _with(errors.APITimeoutError(f"{host} sent no answer within {read:g} s (read timeout)"),
                        sent=True) from None
        except urlsafety.UnsafeURLError:
            raise
        except requests.exceptions.RequestException as e:
            for x in (e, getattr(e, "__context__", None)):
                if isinstance(x, urlsafety.UnsafeURLError):
                    raise x from None
            sent = not isinstance(e, requests.exceptions.ConnectionError) or "RemoteDisconnected" in repr(e)
            raise _with(errors.APIConnectionError(self.clean(f"could not connect: {describe(e, host)}")),
                        sent=sent) from None
        finally:
            current.watchdog = None
            current.peer_policy = None

    def status_error(self, resp: requests.Response) -> errors.ChatError:
        """The error a non-2xx response stands for, its (decoded, capped) body read and closed."""
        rid = request_id(resp.headers)
        if 300 <= resp.status_code < 400:
            resp.close()
            return errors.RedirectError(
                f"the server redirected ({resp.status_code}) to {resp.headers.get('location', '?')}; "
                "requests are not followed: check the base URL", status=resp.status_code, request_id=rid)
        try:  # the request's watchdog also bounds a trickling error body
            body = read_body(resp, MAX_ERROR_BODY)
        except (requests.exceptions.RequestException, UnsupportedEncoding):
            body = b""
        finally:
            resp.close()
        err = errors.error_for_status(resp.status_code, body, rid,
                                      content_type=resp.headers.get("content-type"))
        err.message = self.clean(err.message)
        return err

    # -- whole calls (no retries): /models, /props, /tokenize, /apply-template ------
    def fetch(self, method: str, path: str, payload: Any = None, *, root: bool = False,
              timeout: float = 10.0) -> Reply:
        """Send one request; its decoded JSON body and headers. `timeout` bounds the whole call.
        Raises ChatError subclasses only: UnsafeURLError, APITimeoutError, APIConnectionError,
        an APIStatusError for a non-2xx status, InvalidResponseError for a body that is not JSON."""
        url = self.url(path, root=root)
        watchdog = Watchdog()
        watchdog.start(timeout)
        data = orjson.dumps(payload) if payload is not None else None
        try:
            resp = self.send(method, url, data=data, headers=self.headers(url), watchdog=watchdog,
                             connect=min(self.timeouts.connect, timeout), read=timeout)
            if resp.status_code >= 300:
                raise self.status_error(resp)
            watchdog.arm(resp, timeout)
            try:
                raw = read_body(resp)
            except requests.exceptions.RequestException:
                raise errors.APIConnectionError(f"{self.endpoint.host} closed the connection during {path}") from None
            except UnsupportedEncoding as e:
                raise errors.InvalidResponseError(str(e), status=resp.status_code) from None
            finally:
                resp.close()
        except errors.ChatError:
            if watchdog.fired:
                raise errors.APITimeoutError(f"{self.endpoint.host} did not answer {path} within {timeout:g} s") from None
            raise
        finally:
            watchdog.disarm()
        if watchdog.fired:
            raise errors.APITimeoutError(f"{self.endpoint.host} did not answer {path} within {timeout:g} s")
        headers = {k.lower(): v for k, v in resp.headers.items()}
        try:
            return Reply(resp.status_code, headers, orjson.loads(raw.lstrip(b"\xef\xbb\xbf")))
        except orjson.JSONDecodeError:
            raise errors.InvalidResponseError(
                f"{path} answered {resp.status_code} but not with JSON: "
                f"{self.clean(errors.shorten_body(raw.decode('utf-8', 'replace'))) or '(empty body)'}",
                status=resp.status_code) from None

    def get_json(self, path: str, *, root: bool = False, timeout: float = 10.0) -> Any:
        return self.fetch("GET", path, root=root, timeout=timeout).data

    def post_json(self, path: str, payload: Any, *, root: bool = False, timeout: float = 10.0) -> Any:
        return self.fetch("POST", path, payload, root=root, timeout=timeout).data


def _with(err: errors.APIConnectionError, *, sent: bool) -> errors.APIConnectionError:
    err.sent = sent
    return err

