"""Compiled Jinja templates kept in the store between builds (Jinja checks each against its source)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedsite.memo.store import Store

if TYPE_CHECKING:
    import jinja2


def compiled_templates(store: Store) -> jinja2.BytecodeCache | None:
    """A bytecode cache over the store's "templates" table; None when the store is in memory only."""
    if not store.usable:
        return None
    import jinja2

    table = store.table("templates")

    class StoredTemplates(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            code = table.get(bucket.key)
            if isinstance(code, bytes):
                try:
                    bucket.bytecode_from_string(code)
                except Exception:  # damaged: compile afresh
                    bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            table[bucket.key] = bucket.bytecode_to_string()

    return StoredTemplates()
