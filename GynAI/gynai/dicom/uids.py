"""DICOM UIDs under the ``2.25`` root (UUID-derived, PS3.5 B.2): random ones for new objects, and ones derived
reproducibly from a digest for the source series GynAI generates from non-DICOM input."""

from __future__ import annotations

import uuid

UID_NAMESPACE = uuid.UUID("6f1c2b84-6a0e-4b8e-9d55-2f3c4d5e6a7b")
"""Namespace of GynAI's name-based (version 5) UUIDs."""


def new_uid() -> str:
    """A new random UID ``2.25.<UUID as an integer>``."""
    return f"2.25.{uuid.uuid4().int}"


def derived_uid(digest: str, role: str) -> str:
    """The UID of ``role`` (e.g. ``study``, ``series``, ``instance-3``) for the input with ``digest``: the same
    input always gives the same UID, different inputs or roles different ones."""
    return f"2.25.{uuid.uuid5(UID_NAMESPACE, f'{digest}/{role}').int}"
