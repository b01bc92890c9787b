"""Compiled Jinja templates kept in the store between builds (Jinja checks each against its source)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from feedsite.memo.store import Store
from feedsite.memo.table import Table

if TYPE_CHECKING:
    import jinja2


class StoredTemplates:
    """A bytecode cache over the store's "templates" table, with the two methods Jinja's loaders
    call (get_bucket, set_bucket): Jinja is imported when a template is first loaded, so a build
    that renders nothing never imports it."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._cache: jinja2.BytecodeCache | None = None

    def _jinja_cache(self) -> jinja2.BytecodeCache:
        if self._cache is None:
            import jinja2

            table = self.table

            class Stored(jinja2.BytecodeCache):
                def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                    code = table.get(bucket.key)
                    if isinstance(code, bytes):
                        try:
                            bucket.bytecode_from_string(code)
                        except Exception:  # damaged: compile afresh
                            bucket.reset()

                def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                    table[bucket.key] = bucket.bytecode_to_string()

            self._cache = Stored()
        return self._cache

    def get_bucket(self, *args: Any) -> jinja2.bccache.Bucket:
        return self._jinja_cache().get_bucket(*args)

    def set_bucket(self, bucket: jinja2.bccache.Bucket) -> None:
        self._jinja_cache().set_bucket(bucket)


def compiled_templates(store: Store) -> jinja2.BytecodeCache | None:
    """A bytecode cache over the store's "templates" table; None when the store is in memory only."""
    if not store.usable:
        return None
    return cast("jinja2.BytecodeCache", StoredTemplates(store.table("templates")))
