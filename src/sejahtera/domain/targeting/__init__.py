"""Targeting: welfare ranking (PMT), cluster membership and programme eligibility rules.

Pure Python (numpy for the PMT), no Django. ``rules`` loads the versioned rules file, ``pmt``
fits and applies the welfare model; the batch engine that applies both to a whole registry is
``sejahtera.targeting_engine``.
"""
