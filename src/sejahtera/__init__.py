"""Sejahtera: social registry, targeting and case management."""

__version__ = "0.1.0"
