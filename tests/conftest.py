"""Settings shared by every test tier."""

from __future__ import annotations

from hypothesis import settings

# Hypothesis fails an example that takes longer than 200 ms by default. On a shared 2-core
# machine a slow example says nothing about the code, and speed is measured in bench/, so
# the property tests check only what they assert.
settings.register_profile("gradiox", deadline=None)
settings.load_profile("gradiox")
