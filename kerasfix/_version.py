"""The version of kerasfix (a module of its own: what imports it imports nothing else)."""

__version__ = "0.1.0"
