"""Endpoints and settings.

Precedence, per field: CHAT_* environment variables, then OPENAI_API_KEY / OPENAI_BASE_URL,
then `.streamlit/secrets.toml` (passed in by the app, since this package never imports
streamlit), then the YAML file. With nothing configured the embedded model is the default.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml

from paramlab import paths, yamltext
from paramlab.safety import urls as urlsafety
from paramlab.safety.redaction import Secret, register

# The backend names an endpoint may declare ("auto": detected). Only the names: what each kind
# means, and how "auto" is detected, lives in paramlab.backends.registry (a test keeps both in step).
BACKENDS = ("openai", "azure", "vllm", "ollama", "llamacpp", "embedded", "lmstudio", "litellm", "other")
AUTO_BACKEND = "auto"


EMBEDDED_NAME = "Embedded SmolLM2 (demo)"
EMBEDDED_MODEL = "smollm2-135m-instruct"
ENV_ENDPOINT_NAME = "Environment"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Endpoint:
    name: str
    base_url: str
    api_key: Secret = field(default_factory=lambda: Secret(""))
    organization: str | None = None
    proxy: str | None = None
    models: tuple[str, ...] = ()
    backend: str = AUTO_BACKEND  # a BACKENDS name, or "auto" (paramlab.backends.registry detects it)
    ca_bundle: str | None = None
    verify_tls: bool = True
    context_window: int | None = None
    embedded: bool = False
    # The host the key was entered for: the client never sends the key anywhere else, even if
    # base_url is later changed (dataclasses.replace keeps key_host).
    key_host: str = ""

    def __post_init__(self) -> None:
        if self.api_key and not self.key_host:
            object.__setattr__(self, "key_host", self.host)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def address(self) -> str:
        """host, or host:port when the URL names a port (local servers differ by port alone)."""
        parts = urlsplit(self.base_url)
        try:
            port = parts.port
        except ValueError:
            port = None
        return f"{self.host}:{port}" if port and self.host else self.host

    def public(self) -> dict[str, Any]:
        """Everything but the key, safe to show, log or export."""
        return {"name": self.name, "base_url": self.base_url, "organization": self.organization,
                "proxy": self.proxy, "models": list(self.models), "backend": self.backend,
                "has_key": bool(self.api_key)}


@dataclass(frozen=True)
class RelayKey:
    """A key an application sends to ParamLab's relay (never forwarded upstream), with its budgets."""
    label: str
    key: Secret
    daily_budget: float | None = None    # dollars per day; None = no budget
    monthly_budget: float | None = None


# The /chat-room conversation's settings (CHAT_MODEL is shared with the endpoint).
CHAT_ROOM_ENV = {"system_prompt": "CHAT_SYSTEM_PROMPT", "max_tokens": "CHAT_MAX_TOKENS",
                 "temperature": "CHAT_TEMPERATURE", "top_p": "CHAT_TOP_P",
                 "presence_penalty": "CHAT_PRESENCE_PENALTY", "frequency_penalty": "CHAT_FREQUENCY_PENALTY"}


@dataclass(frozen=True)
class RelaySettings:
    keys: tuple[RelayKey, ...] = ()
    models: dict[str, str] = field(default_factory=dict)  # model name -> endpoint name (beyond endpoints' own)
    max_body_bytes: int = 4 * 1024 * 1024
    context_messages: int = 20       # /chat-room keeps this many past messages per client
    chat_room: dict[str, Any] = field(default_factory=dict)  # system_prompt, model and sampling values


@dataclass
class Settings:
    endpoints: list[Endpoint]
    default_endpoint: str
    default_model: str | None = None
    port: int = 8501
    source: dict[str, str] = field(default_factory=dict)  # field -> where it came from
    config_file: str | None = None
    errors: list[str] = field(default_factory=list)
    relay: RelaySettings = field(default_factory=RelaySettings)

    def endpoint(self, name: str) -> Endpoint:
        for e in self.endpoints:
            if e.name == name:
                return e
        raise ConfigError(f"endpoint: no endpoint named {name!r}")


def check_base_url(url: str, field_name: str = "base_url") -> str:
    url = (url or "").strip()
    u = urlsplit(url)
    if u.scheme not in ("http", "https"):
        raise ConfigError(f"{field_name}: must start with http:// or https://, got {url!r}")
    if not u.hostname:
        raise ConfigError(f"{field_name}: has no host name: {url!r}")
    if u.username or u.password:
        raise ConfigError(f"{field_name}: must not contain a user name or password; put the key in api_key")
    try:  # metadata names and literal unsafe addresses; the client re-checks resolved addresses
        urlsafety.check_static(url, field=field_name, private_ok=current().allow_private)
    except urlsafety.UnsafeURLError as e:
        raise ConfigError(str(e)) from None
    return url.rstrip("/")


def default_config_path(env: Mapping[str, str]) -> Path:
    if env.get("CHAT_CONFIG"):
        return Path(env["CHAT_CONFIG"]).expanduser()
    return Path("paramlab.yaml")


def _endpoint_from_mapping(raw: Mapping[str, Any], where: str, env: Mapping[str, str] | None = None) -> Endpoint:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a mapping")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ConfigError(f"{where}.name: is required")
    base = check_base_url(str(raw.get("base_url") or ""), f"{where}.base_url")
    models = raw.get("models") or ()
    if isinstance(models, str):
        models = (models,)
    if not isinstance(models, (list, tuple)) or not all(isinstance(m, (str, int, float)) for m in models):
        raise ConfigError(f"{where}.models: must be a model name or a list of names")
    verify = raw.get("verify_tls", True)
    if not isinstance(verify, bool):
        raise ConfigError(f"{where}.verify_tls: must be true or false, got {verify!r}")
    ctx = raw.get("context_window")
    if ctx is not None and (isinstance(ctx, bool) or not isinstance(ctx, int) or ctx < 1):
        raise ConfigError(f"{where}.context_window: must be a positive number of tokens, got {ctx!r}")
    backend = str(raw.get("backend") or AUTO_BACKEND)
    if backend not in BACKENDS + (AUTO_BACKEND,):
        raise ConfigError(f"{where}.backend: must be one of {', '.join(BACKENDS)}, got {backend!r}")
    key = str(raw.get("api_key") or "")
    if not key and raw.get("api_key_env"):
        key = (os.environ if env is None else env).get(str(raw["api_key_env"]), "")
    register(key)
    return Endpoint(name=name, base_url=base, api_key=Secret(key), organization=raw.get("organization"),
                    proxy=raw.get("proxy"), models=tuple(str(m) for m in models), backend=backend,
                    ca_bundle=raw.get("ca_bundle"), verify_tls=verify,
                    context_window=int(ctx) if ctx else None)


def load_file(path: Path) -> dict[str, Any]:
    try:
        data = yamltext.load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    return data


def embedded_endpoint(base_url: str = "http://127.0.0.1:0/v1", context_window: int | None = None) -> Endpoint:
    return Endpoint(name=EMBEDDED_NAME, base_url=base_url, models=(EMBEDDED_MODEL,), backend="embedded",
                    context_window=context_window, embedded=True)


def load_settings(env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None,
                  path: Path | None = None) -> Settings:
    """Build the settings. Bad entries are reported in .errors and skipped, never fatal."""
    env = os.environ if env is None else env
    secrets = secrets or {}
    path = path or default_config_path(env)
    errors: list[str] = []
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = load_file(path)
        except (ConfigError, OSError) as e:
            errors.append(str(e))
    endpoints: list[Endpoint] = []
    for i, raw in enumerate(data.get("endpoints") or []):
        try:
            endpoints.append(_endpoint_from_mapping(raw, f"{path.name}: endpoints[{i}]", env))
        except ConfigError as e:
            errors.append(str(e))
    for i, raw in enumerate(secrets.get("endpoints") or []):
        try:
            endpoints.append(_endpoint_from_mapping(raw, f"secrets.toml: endpoints[{i}]", env))
        except ConfigError as e:
            errors.append(str(e))

    # Single-endpoint settings: CHAT_ > OPENAI_ > secrets.toml > file, field by field.
    source: dict[str, str] = {}

    def pick(fieldname: str, *candidates: tuple[str, Any]) -> Any:
        for where, value in candidates:
            if value not in (None, ""):
                source[fieldname] = where
                return value
        return None

    base_url = pick("base_url", ("CHAT_BASE_URL", env.get("CHAT_BASE_URL")),
                    ("OPENAI_BASE_URL", env.get("OPENAI_BASE_URL")),
                    ("secrets.toml", secrets.get("CHAT_BASE_URL") or secrets.get("OPENAI_BASE_URL")),
                    (path.name, data.get("base_url")))
    api_key = pick("api_key", ("CHAT_APIKEY", env.get("CHAT_APIKEY")),
                   ("OPENAI_API_KEY", env.get("OPENAI_API_KEY")),
                   ("secrets.toml", secrets.get("CHAT_APIKEY") or secrets.get("OPENAI_API_KEY")),
                   (path.name, data.get("api_key")))
    model = pick("model", ("CHAT_MODEL", env.get("CHAT_MODEL")), ("secrets.toml", secrets.get("CHAT_MODEL")),
                 (path.name, data.get("model")))
    org = pick("organization", ("CHAT_ORG", env.get("CHAT_ORG")), ("OPENAI_ORG_ID", env.get("OPENAI_ORG_ID")),
               ("secrets.toml", secrets.get("CHAT_ORG")), (path.name, data.get("organization")))
    proxy = pick("proxy", ("CHAT_PROXY", env.get("CHAT_PROXY")), ("secrets.toml", secrets.get("CHAT_PROXY")),
                 (path.name, data.get("proxy")))
    port_raw = pick("port", ("CHAT_PORT", env.get("CHAT_PORT")), (path.name, data.get("port"))) or 8501
    try:
        port = int(port_raw)
        if not 1 <= port <= 65535:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(f"CHAT_PORT: must be a port number 1-65535, got {port_raw!r}")
        port = 8501

    default_name = data.get("default_endpoint")
    if base_url or (api_key and not endpoints):
        base = base_url or "https://api.openai.com/v1"
        try:
            base = check_base_url(str(base), source.get("base_url", "base_url"))
            register(str(api_key or ""))
            env_ep = Endpoint(name=ENV_ENDPOINT_NAME, base_url=base, api_key=Secret(str(api_key or "")),
                              organization=org, proxy=proxy, models=(str(model),) if model else (),
                              backend=AUTO_BACKEND)
            endpoints.insert(0, env_ep)
            default_name = ENV_ENDPOINT_NAME
        except ConfigError as e:
            errors.append(str(e))
    elif proxy or org:
        endpoints = [replace(e, proxy=e.proxy or proxy, organization=e.organization or org) for e in endpoints]

    emb = embedded_endpoint()
    if not data.get("disable_embedded"):
        endpoints.append(emb)
    if not endpoints:
        endpoints.append(emb)
    names = [e.name for e in endpoints]
    if default_name not in names:
        default_name = names[0] if names[0] != EMBEDDED_NAME or len(names) == 1 else names[0]
    relay = relay_settings(env, data, path.name, errors)
    return Settings(endpoints=endpoints, default_endpoint=default_name, default_model=model, port=port,
                    source=source, config_file=str(path) if path.exists() else None, errors=errors, relay=relay)


def _number(raw: Any, where: str, kind: type = float, minimum: float = 0) -> Any:
    if isinstance(raw, bool):
        raise ConfigError(f"{where}: must be a number, got {raw!r}")
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: must be {'an integer' if kind is int else 'a number'}, got {raw!r}") from None
    if value != value or value < minimum:
        raise ConfigError(f"{where}: must be at least {minimum}, got {raw!r}")
    return value


def _relay_key(raw: Any, where: str, env: Mapping[str, str]) -> RelayKey:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a mapping with label and key (or key_env)")
    label = str(raw.get("label") or "").strip()
    if not label:
        raise ConfigError(f"{where}.label: is required (it names the key on the Usage page)")
    key = str(raw.get("key") or (env.get(str(raw["key_env"]), "") if raw.get("key_env") else ""))
    if len(key) < 8:
        raise ConfigError(f"{where}.key: must be at least 8 characters (or name a set variable in key_env)")
    budgets = {b: None if raw.get(b) in (None, "") else _number(raw[b], f"{where}.{b}")
               for b in ("daily_budget", "monthly_budget")}
    register(key)
    return RelayKey(label, Secret(key), **budgets)


def relay_settings(env: Mapping[str, str], data: Mapping[str, Any], file_name: str = "paramlab.yaml",
                   errors: list[str] | None = None) -> RelaySettings:
    """The relay's keys (CHAT_RELAY_KEY, or `relay.keys` in the file), model routes, limits and the
    /chat-room settings (CHAT_* names over `chat_room` in the file). Bad entries are
    reported in `errors` and skipped."""
    errors = [] if errors is None else errors
    raw = data.get("relay") or {}
    if not isinstance(raw, Mapping):
        errors.append(f"{file_name}: relay: must be a mapping")
        raw = {}
    keys: list[RelayKey] = []
    if env.get("CHAT_RELAY_KEY"):
        try:
            keys.append(_relay_key({"label": env.get("CHAT_RELAY_LABEL") or "CHAT_RELAY_KEY",
                                    "key": env["CHAT_RELAY_KEY"],
                                    "daily_budget": env.get("CHAT_RELAY_BUDGET_DAILY"),
                                    "monthly_budget": env.get("CHAT_RELAY_BUDGET_MONTHLY")}, "CHAT_RELAY_KEY", env))
        except ConfigError as e:
            errors.append(str(e))
    for i, item in enumerate(raw.get("keys") or []):
        try:
            k = _relay_key(item, f"{file_name}: relay.keys[{i}]", env)
            if any(k.label == o.label for o in keys):
                raise ConfigError(f"{file_name}: relay.keys[{i}].label: {k.label!r} is used twice")
            keys.append(k)
        except ConfigError as e:
            errors.append(str(e))
    models = raw.get("models") or {}
    if not isinstance(models, Mapping):
        errors.append(f"{file_name}: relay.models: must map model names to endpoint names")
        models = {}
    out: dict[str, Any] = {"keys": tuple(keys), "models": {str(k): str(v) for k, v in models.items()}}
    for name, var, kind, default in (("max_body_bytes", "CHAT_RELAY_MAX_BODY", int, None),
                                     ("context_messages", "CHAT_CONTEXT_MESSAGES", int, None)):
        value = env.get(var) or raw.get(name)
        if value not in (None, ""):
            try:
                out[name] = _number(value, var if env.get(var) else f"{file_name}: relay.{name}", int, 1)
            except ConfigError as e:
                errors.append(str(e))
    room = data.get("chat_room") or {}
    if not isinstance(room, Mapping):
        errors.append(f"{file_name}: chat_room: must be a mapping")
        room = {}
    chat_room: dict[str, Any] = {}
    for name, var in (("model", "CHAT_MODEL"), *CHAT_ROOM_ENV.items()):
        value = env.get(var) if env.get(var) not in (None, "") else room.get(name)
        if value in (None, ""):
            continue
        where = var if env.get(var) else f"{file_name}: chat_room.{name}"
        try:
            if name in ("model", "system_prompt"):
                chat_room[name] = str(value)
            elif name == "max_tokens":
                chat_room[name] = _number(value, where, int, 1)
            else:
                chat_room[name] = _number(value, where, float, -2 if name.endswith("penalty") else 0)
        except ConfigError as e:
            errors.append(str(e))
    out["chat_room"] = chat_room
    return RelaySettings(**out)


def engine_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Embedded engine settings from CHAT_GGUF, CHAT_ENGINE_THREADS, CHAT_ENGINE_CTX, CHAT_ENGINE_PARALLEL."""
    env = os.environ if env is None else env
    opts: dict[str, Any] = {"gguf": env.get("CHAT_GGUF") or None}
    for key, name, default in (("threads", "CHAT_ENGINE_THREADS", 0), ("n_ctx", "CHAT_ENGINE_CTX", 8192),
                               ("n_parallel", "CHAT_ENGINE_PARALLEL", 4)):
        raw = env.get(name)
        try:
            opts[key] = int(raw) if raw else default
        except ValueError:
            raise ConfigError(f"{name}: must be an integer, got {raw!r}") from None
        if opts[key] < 0:
            raise ConfigError(f"{name}: must not be negative, got {raw!r}")
    if opts["n_ctx"] == 0 and env.get("CHAT_ENGINE_CTX"):
        raise ConfigError("CHAT_ENGINE_CTX: must be at least 1")
    if opts["n_parallel"] < 1:
        raise ConfigError("CHAT_ENGINE_PARALLEL: must be at least 1")
    return opts


def custom_endpoint(name: str, base_url: str, api_key: str = "", model: str = "", backend: str = "",
                    taken: tuple[str, ...] = ()) -> Endpoint:
    """An endpoint typed into the UI for one browser session. Raises ConfigError naming the field."""
    name = (name or "").strip()
    if not name:
        raise ConfigError("name: give the endpoint a name")
    if name in taken:
        raise ConfigError(f"name: an endpoint called {name!r} exists already")
    base = check_base_url(base_url, "base_url")
    backend = backend or AUTO_BACKEND
    if backend not in BACKENDS + (AUTO_BACKEND,):
        raise ConfigError(f"backend: must be one of {', '.join(BACKENDS)}, got {backend!r}")
    key = (api_key or "").strip()
    register(key)
    models = tuple(m.strip() for m in (model or "").split(",") if m.strip())
    return Endpoint(name=name, base_url=base, api_key=Secret(key), models=models, backend=backend)


# -- everything else set by CHAT_* variables: read here, once per environment, and nowhere else --
RUNTIME_VARS = ("CHAT_DATA_DIR", "CHAT_ALLOW_PRIVATE", "CHAT_DATABASE_URL", "CHAT_LEDGER_STORE_TEXT",
                "CHAT_BUDGET_DAILY", "CHAT_BUDGET_MONTHLY", "CHAT_LOG_DIR", "CHAT_LOG_MAX_BYTES", "CHAT_LOG_BACKUPS")
_OFF = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Runtime:
    """Where data goes, what may be called, what is recorded. A value that cannot be read is
    reported in `errors` (naming the variable) and its default applies, except
    CHAT_ALLOW_PRIVATE, whose unreadable value refuses private addresses."""
    data_dir: Path
    allow_private: bool
    database_url: str | None = None
    ledger_store_text: bool = True
    budget_daily: str | None = None      # dollars as typed; paramlab.usage.budget checks them
    budget_monthly: str | None = None
    log_dir: Path | None = None
    log_max_bytes: int | None = None
    log_backups: int | None = None
    errors: tuple[str, ...] = ()


def _count(env: Mapping[str, str], name: str, errors: list[str]) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{name}: must be a whole number, got {raw!r}; the default applies")
        return None
    if value < 0:
        errors.append(f"{name}: must not be negative, got {raw!r}; the default applies")
        return None
    return value


def runtime(env: Mapping[str, str] | None = None) -> Runtime:
    env = os.environ if env is None else env
    errors: list[str] = []
    try:
        allow_private = urlsafety.allow_private(env)
    except urlsafety.UnsafeURLError as e:
        errors.append(str(e))
        allow_private = False  # unreadable: the safe side
    data_dir = Path(env["CHAT_DATA_DIR"]).expanduser() if env.get("CHAT_DATA_DIR") else paths.platform_data_dir()
    return Runtime(
        data_dir=data_dir, allow_private=allow_private,
        database_url=env.get("CHAT_DATABASE_URL") or None,
        ledger_store_text=(env.get("CHAT_LEDGER_STORE_TEXT") or "1").strip().lower() not in _OFF,
        budget_daily=env.get("CHAT_BUDGET_DAILY"), budget_monthly=env.get("CHAT_BUDGET_MONTHLY"),
        log_dir=Path(env["CHAT_LOG_DIR"]).expanduser() if env.get("CHAT_LOG_DIR") else None,
        log_max_bytes=_count(env, "CHAT_LOG_MAX_BYTES", errors), log_backups=_count(env, "CHAT_LOG_BACKUPS", errors),
        errors=tuple(errors))


@functools.lru_cache(maxsize=16)
def _runtime_for(values: tuple[tuple[str, str], ...]) -> Runtime:
    return runtime(dict(values))


def current() -> Runtime:
    """The runtime settings of this process's environment, read once (again only if it changes,
    as tests do)."""
    return _runtime_for(tuple((k, os.environ[k]) for k in RUNTIME_VARS if k in os.environ))


def data_dir() -> Path:
    """CHAT_DATA_DIR, else the platform's user data directory (e.g. ~/.local/share/paramlab)."""
    return paths.ensure(current().data_dir)


def data_sub(name: str) -> Path:
    return paths.ensure(data_dir() / name)


def env_fingerprint() -> str:
    """A digest of every variable the settings read (for caches keyed on them; never the values)."""
    import hashlib
    return hashlib.sha256("|".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                                   if k.startswith(("CHAT_", "OPENAI_"))).encode()).hexdigest()
