"""The pure-Python domain core: no Django imports allowed below this package.

Everything here is deterministic and unit-testable in isolation; the Django apps and the batch
engines call into it.
"""
