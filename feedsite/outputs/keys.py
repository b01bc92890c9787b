"""An output's key: a hash of the plain data its maker is given, walked value by value.

Only plain data can be hashed: None, bool, int, float, str, bytes, date/datetime, tuple, list,
dict, frozen dataclasses of those, and values that name their own content (`__fingerprint__`, as an
Entry does with the hash of the bytes it was parsed from). Anything else is a TypeError: a maker
cannot be given something whose content the key would not cover.

Each value is written as tagged parts (text as "s<length>:<text>", a mapping as "M<count>" and then
its keys and values, a tuple as "T<count>" and its items...), so different data never gives the
same parts; a frozen dataclass is written as the hash of its own parts, made once per Hasher
(posts, feeds and sites recur on many pages), and a value with its own fingerprint as that.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

# How a class's instances are hashed: by their own fingerprint, or by their fields in order.
Kind = tuple[str, Callable[[Any], Any]]


class Hasher:
    """Hashes values; a frozen dataclass instance is hashed once per Hasher. Text, None and values
    already hashed, nearly all of what a site's contexts hold, are handled inline in the loops (a
    call per value would cost more than the hashing)."""

    def __init__(self) -> None:
        self._done: dict[int, str] = {}  # id → digest of an object hashed already
        self._alive: list[object] = []  # ... which stays alive, so no other object gets its id
        self._kinds: dict[type, Kind] = {}

    def digest(self, value: Any, *head: str) -> str:
        """The hash of value, after the text parts head (a maker's name, a path...), if any."""
        out = [f"s{len(part)}:{part}" for part in head]
        self._all((value,), out)
        return _sha("\x1f".join(out))

    def _all(self, values: Iterable[Any], out: list[str]) -> None:
        done, kinds, append = self._done, self._kinds, out.append
        for value in values:
            kind = type(value)
            if kind is str:
                append(f"s{len(value)}:{value}")
                continue
            if value is None:
                append("n")
                continue
            if kind is tuple:  # nearly always made for the page (its items are hashed once already)
                append(f"T{len(value)}")
                self._all(value, out)
                continue
            known = done.get(id(value))
            if known is not None:
                append(known)
                continue
            how = kinds.get(kind)
            if how is None:
                self._walk(value, kind, out)
            elif how[0][0] == "F":  # its own fingerprint: cheaper to ask again than to remember
                append(f"{how[0]}{how[1](value)}")
            else:  # a frozen dataclass: the type fixes which fields, in order
                parts = [how[0]]
                self._all(how[1](value), parts)
                digest = done[id(value)] = _sha("\x1f".join(parts))
                self._alive.append(value)
                append(digest)

    def _walk(self, value: Any, kind: type, out: list[str]) -> None:
        """A value of a kind _all does not handle inline."""
        if kind is dict:
            out.append(f"M{len(value)}")  # in order: a template may iterate it
            for pair in value.items():
                self._all(pair, out)
        elif kind is bool or kind is int or kind is float:
            out.append(f"{kind.__name__[0]}{value!r}")
        elif kind is list:
            out.append(f"L{len(value)}")
            self._all(value, out)
        elif kind is datetime:
            out.append(f"t{value.isoformat()}|{value.tzinfo}|{value.fold}")
        elif kind is date:
            out.append(f"d{value.isoformat()}")
        elif kind is bytes:
            out.append(f"y{hashlib.sha256(value).hexdigest()}")
        else:
            self._kinds[kind] = _kind_of(kind)
            self._all((value,), out)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _kind_of(kind: type) -> Kind:
    """How instances of kind are hashed: ("F<name>:", their fingerprint) or ("D<name>", their field
    values in order, for a frozen dataclass); anything else is refused."""
    if getattr(kind, "__fingerprint__", None) is not None:
        return f"F{kind.__qualname__}:", operator.methodcaller("__fingerprint__")
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{kind.__qualname__} is not plain data: an output key cannot cover it")
    names = [item.name for item in dataclasses.fields(kind)]
    tag = f"D{kind.__qualname__}"
    if len(names) == 1:
        return tag, lambda value: (getattr(value, names[0]),)
    return tag, operator.attrgetter(*names)
