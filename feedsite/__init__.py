"""feedsite: a static news site and RSS/Atom feed publisher."""

__version__ = "0.1.0"
