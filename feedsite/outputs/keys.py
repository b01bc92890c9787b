"""An output's key: a hash of the plain data its maker is given, walked value by value.

Only plain data can be hashed: None, bool, int, float, str, bytes, date/datetime, tuple, list,
dict, frozen dataclasses of those, and values that name their own content (`__fingerprint__`, as an
Entry does with the hash of the bytes it was parsed from). Anything else is a TypeError: a maker
cannot be given something whose content the key would not cover.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any


class Hasher:
    """Hashes values; a frozen dataclass instance is hashed once per Hasher (posts recur on many pages)."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[object, str]] = {}  # id → (the object, kept alive; its digest)
        self._fields: dict[type, tuple[str, ...]] = {}
        self._walkers: dict[type, Callable[[Any, list[str]], None]] = {
            str: lambda v, out: out.append(f"s{len(v)}:{v}"),
            int: lambda v, out: out.append(f"i{v}"),
            float: lambda v, out: out.append(f"f{v!r}"),
            bool: lambda v, out: out.append(f"b{int(v)}"),
            type(None): lambda v, out: out.append("n"),
            bytes: lambda v, out: out.append(f"y{hashlib.sha256(v).hexdigest()}"),
            datetime: lambda v, out: out.append(f"t{v.isoformat()}|{v.tzinfo}"),
            date: lambda v, out: out.append(f"d{v.isoformat()}"),
            tuple: self._sequence,
            list: self._sequence,
            dict: self._mapping,
        }

    def digest(self, value: Any) -> str:
        out: list[str] = []
        self._walk(value, out)
        return hashlib.sha256("\x1f".join(out).encode("utf-8", "surrogatepass")).hexdigest()

    def _walk(self, value: Any, out: list[str]) -> None:
        kind = type(value)
        if kind is str:  # most values: no call
            out.append(f"s{len(value)}:{value}")
            return
        if value is None:
            out.append("n")
            return
        walker = self._walkers.get(kind)
        if walker is not None:
            walker(value, out)
            return
        known = self._done.get(id(value))
        if known is not None and known[0] is value:
            out.append(known[1])
            return
        own = getattr(value, "__fingerprint__", None)
        if own is not None:
            digest = f"F{type(value).__qualname__}:{own()}"
        else:
            names = self._fields.get(type(value))
            if names is None:
                names = self._fields[type(value)] = _field_names(type(value))
            parts: list[str] = [f"D{type(value).__qualname__}"]
            for name in names:
                parts.append(name)
                self._walk(getattr(value, name), parts)
            digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        self._done[id(value)] = (value, digest)
        out.append(digest)

    def _sequence(self, value: tuple[Any, ...] | list[Any], out: list[str]) -> None:
        out.append(f"L{len(value)}")
        for item in value:
            self._walk(item, out)

    def _mapping(self, value: dict[Any, Any], out: list[str]) -> None:
        out.append(f"M{len(value)}")  # in order: a template may iterate it
        for key, item in value.items():
            self._walk(key, out)
            self._walk(item, out)


def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a frozen dataclass; anything else is refused."""
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{kind.__qualname__} is not plain data: an output key cannot cover it")
    return tuple(item.name for item in dataclasses.fields(kind))
