"""An output's key: a hash of the plain data its maker is given, walked value by value.

Only plain data can be hashed: None, bool, int, float, str, bytes, date/datetime, tuple, list,
dict, frozen dataclasses of those, and values that name their own content (`__fingerprint__`, as an
Entry does with the hash of the bytes it was parsed from). Anything else is a TypeError: a maker
cannot be given something whose content the key would not cover.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any


class Hasher:
    """Hashes values; a frozen dataclass instance is hashed once per Hasher (posts recur on many
    pages). Text and values already hashed, nearly all of what a site's contexts hold, are handled
    inline in the loops (a call per value would cost more than the hashing)."""

    def __init__(self) -> None:
        self._done: dict[int, str] = {}  # id → digest of an object hashed already
        self._alive: list[object] = []  # ... which stays alive, so no other object gets its id
        self._fields: dict[type, Callable[[Any], tuple[Any, ...]]] = {}

    def digest(self, value: Any) -> str:
        out: list[str] = []
        self._all((value,), out)
        return _sha("\x1f".join(out))

    def _all(self, values: Iterable[Any], out: list[str]) -> None:
        done = self._done
        for value in values:
            if type(value) is str:
                out.append(f"s{len(value)}:{value}")
                continue
            known = done.get(id(value))
            if known is not None:
                out.append(known)
            else:
                self._walk(value, out)

    def _walk(self, value: Any, out: list[str]) -> None:
        kind = type(value)
        if value is None:
            out.append("n")
        elif kind is bool or kind is int or kind is float:
            out.append(f"{kind.__name__[0]}{value!r}")
        elif kind is tuple:  # immutable: hashed once, as a dataclass is (pages share their feeds)
            parts = [f"T{len(value)}"]
            self._all(value, parts)
            digest = _sha("\x1f".join(parts))
            self._keep(value, digest)
            out.append(digest)
        elif kind is list:
            out.append(f"L{len(value)}")
            self._all(value, out)
        elif kind is dict:
            out.append(f"M{len(value)}")  # in order: a template may iterate it
            self._all([part for pair in value.items() for part in pair], out)
        elif kind is datetime:
            out.append(f"t{value.isoformat()}|{value.tzinfo}|{value.fold}")
        elif kind is date:
            out.append(f"d{value.isoformat()}")
        elif kind is bytes:
            out.append(f"y{hashlib.sha256(value).hexdigest()}")
        else:
            self._object(value, out)

    def _object(self, value: Any, out: list[str]) -> None:
        own = getattr(value, "__fingerprint__", None)
        if own is not None:
            digest = f"F{type(value).__qualname__}:{own()}"
        else:
            fields = self._fields.get(type(value))
            if fields is None:
                fields = self._fields[type(value)] = _fields_of(type(value))
            parts: list[str] = [f"D{type(value).__qualname__}"]  # the type fixes which fields, in order
            self._all(fields(value), parts)
            digest = _sha("\x1f".join(parts))
        self._keep(value, digest)
        out.append(digest)

    def _keep(self, value: object, digest: str) -> None:
        self._done[id(value)] = digest
        self._alive.append(value)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fields_of(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """What gives the field values of a frozen dataclass, in order; anything else is refused."""
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{kind.__qualname__} is not plain data: an output key cannot cover it")
    names = [item.name for item in dataclasses.fields(kind)]
    if len(names) == 1:
        return lambda value: (getattr(value, names[0]),)
    return operator.attrgetter(*names)
