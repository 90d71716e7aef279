"""Saline: configuration management in the style of SaltStack."""

__version__ = "0.1.0"
