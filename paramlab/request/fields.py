"""Validation errors that name the field: shared by the schema and the request-part validators
(messages, tools, structured outputs), so none of them has to import the others."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(ValueError):
    """Raised before anything is sent; names every bad field."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))
