"""Errors of the incentives package (all ``Problem`` subclasses → problem+json)::

ValidationFailed   422  unknown region or occupation codes in a rule; a bad policy file
NotFound           404  no such policy or version
VersionConflict    409  ``expected_version`` is not the current version, or two writers
                        raced for the same new version
"""

from __future__ import annotations

from matcher.foundation.problems import Conflict


class VersionConflict(Conflict):
    slug, title = "version-conflict", "Version conflict"
