"""Tests of the pure text analysis (`feedback.analysis`)."""

from __future__ import annotations

from typing import Any

import pytest


def as_shipped(expected: Any) -> Any:
    """What a shipped model's numbers are compared with when training is run again: the files keep 5 decimal places,
    and the last digits of a fit move with the processor and the versions of numpy and scikit-learn (numpy sums with
    the processor's own vector instructions; liblinear stops at a tolerance). A change of training messages or
    settings moves them far more than this, or changes the vocabulary and thresholds, which are compared exactly."""
    return pytest.approx(expected, rel=1e-3, abs=1e-3)


def as_read(expected: Any) -> Any:
    """Log-odds a retrained model gives each message, against the shipped model's: within 0.05 (a probability within
    about 1%). A theme whose fit is barely determined (a strong C on rare words) can move its coefficients by a
    hundredth from one processor to another while reading every message the same; a change of training messages or
    settings reads some message differently by far more."""
    return pytest.approx(expected, abs=0.05)
