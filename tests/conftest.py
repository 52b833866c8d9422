"""Hypothesis profiles, chosen by the TWINNET_HYPOTHESIS_PROFILE environment variable.

- ``thorough`` (the default, and what CI runs): 200 examples per property.
- ``quick``: 20 examples per property, for a fast loop while you edit.

Neither has a deadline: the machines are shared and timings are noisy; speed is
measured by ``twinnet bench``, never by a test.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "thorough", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "quick", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)

PROFILE = os.environ.get("TWINNET_HYPOTHESIS_PROFILE", "thorough")
if PROFILE not in ("thorough", "quick"):
    raise ValueError(f"TWINNET_HYPOTHESIS_PROFILE expected 'thorough' or 'quick', got {PROFILE!r}")
settings.load_profile(PROFILE)


def pytest_report_header(config):
    return f"twinnet: Hypothesis profile {PROFILE!r} ({settings().max_examples} examples per property)"
