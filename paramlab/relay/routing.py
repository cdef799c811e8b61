"""Which upstream endpoint serves a model name: the relay's own map (`relay.models` in the config
file) first, then the models each configured endpoint declares; the embedded model is one of them."""
from __future__ import annotations

from typing import Sequence

from paramlab.relay.wire import RelayError
from paramlab.settings import Endpoint


class Routes:
    def __init__(self, endpoints: Sequence[Endpoint], models: dict[str, str] | None = None):
        by_name = {e.name: e for e in endpoints}
        self.table: dict[str, Endpoint] = {}
        self.errors: list[str] = []
        for e in endpoints:
            for m in e.models:
                self.table.setdefault(m, e)
        for model, name in (models or {}).items():
            if name in by_name:
                self.table[model] = by_name[name]
            else:
                self.errors.append(f"relay.models: {model!r} names no configured endpoint {name!r}")

    def endpoint_for(self, model: str) -> Endpoint:
        try:
            return self.table[model]
        except KeyError:
            raise RelayError(404, f"The model {model!r} does not exist on this relay; GET /v1/models lists "
                                  f"the ones it serves.", param="model", code="model_not_found") from None

    def models(self) -> list[tuple[str, Endpoint]]:
        return sorted(self.table.items())

    def first_model(self) -> str | None:
        """A model to use when none is configured (the /chat-room default): the embedded one if served."""
        for m, e in self.table.items():
            if e.embedded:
                return m
        return next(iter(self.table), None)
