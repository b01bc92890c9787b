"""Values ↔ marshal'd bytes: what the store keeps of parsed entries, read back several times
quicker than pickles (pickle resolves every class and time zone again in each small row).

A value is packed into what marshal carries: text, numbers, None, bytes, lists and dicts as they
are; a tuple, a date, a time with its zone name and fold, and a frozen dataclass of feedsite's as a
tagged tuple (every tuple in a packed value is a tag). Anything else raises ValueError: the caller
then stores it some other way. unpack(pack(v)) == v, zones included.
"""

from __future__ import annotations

import dataclasses
import importlib
import marshal
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

_TUPLE, _DATETIME, _DATE, _DATACLASS = 0, 1, 2, 3
_PLAIN = frozenset({str, int, float, bool, type(None), bytes})


def dumps(value: Any) -> bytes:
    return marshal.dumps(pack(value), 4)


def loads(data: bytes) -> Any:
    return unpack(marshal.loads(data))


def pack(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [pack(item) for item in value]
    if kind is dict:
        return {pack(k): pack(v) for k, v in value.items()}
    if kind is tuple:
        return (_TUPLE, [pack(item) for item in value])
    if kind is datetime:
        zone = value.tzinfo
        if not isinstance(zone, ZoneInfo) or not isinstance(zone.key, str):
            raise ValueError("a time without a zone name")
        clock = (value.hour, value.minute, value.second, value.microsecond, value.fold)
        return (_DATETIME, value.year, value.month, value.day, *clock, zone.key)
    if kind is date:
        return (_DATE, value.toordinal())
    names = _fields(kind)  # type: ignore[arg-type]  # a type is hashable
    return (_DATACLASS, kind.__module__, kind.__qualname__, [pack(getattr(value, n)) for n in names])


def unpack(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return [unpack(item) for item in value]
    if kind is dict:
        return {unpack(k): unpack(v) for k, v in value.items()}
    if kind is not tuple:
        return value
    tag = value[0]
    if tag == _TUPLE:
        return tuple([unpack(item) for item in value[1]])
    if tag == _DATETIME:
        year, month, day, hour, minute, second, micro, fold, zone = value[1:]
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=_zone(zone), fold=fold)
    if tag == _DATE:
        return date.fromordinal(value[1])
    if tag == _DATACLASS:
        return _class(value[1], value[2])(*[unpack(item) for item in value[3]])
    raise ValueError(f"unknown tag {tag!r}")


@cache
def _fields(kind: type) -> tuple[str, ...]:
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen or not kind.__module__.startswith("feedsite."):
        raise ValueError(f"{kind.__qualname__} is not a value this packs")
    if any(not item.init for item in dataclasses.fields(kind)):
        raise ValueError(f"{kind.__qualname__} has fields its constructor does not take")
    return tuple(item.name for item in dataclasses.fields(kind))


@cache
def _class(module: str, name: str) -> type:
    if not module.startswith("feedsite."):
        raise ValueError(f"{module}.{name} is not a feedsite class")
    found = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    if not isinstance(found, type):
        raise ValueError(f"{module}.{name} is not a class")
    _fields(found)
    return found


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
