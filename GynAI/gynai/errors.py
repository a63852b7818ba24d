"""Typed exceptions of the GynAI core library.

Every error a user can cause derives from :class:`GynAIError` and carries a one-line message that says
what is wrong and what to do. The CLI turns these into a message on stderr and exit code 2.
"""

from __future__ import annotations


class GynAIError(Exception):
    """Base class of all GynAI errors caused by input, configuration or environment."""


class InputFileError(GynAIError):
    """A file is missing, unreadable, corrupt or not an image."""


class ImageDimensionError(GynAIError):
    """An image has the wrong number of dimensions or components (2D or 4D where 3D is needed)."""


class InvalidVoxelDataError(GynAIError):
    """Voxel values are unusable (NaN or infinite values)."""


class GeometryError(GynAIError):
    """Spacing, origin or direction is invalid (zero/negative spacing, singular direction, mismatch)."""


class LabelError(GynAIError):
    """A label table or a segmentation's labels are invalid or do not fit the task."""


class OutputPathError(GynAIError):
    """An output path cannot be written, or writing it would overwrite user data."""


class ModelError(GynAIError):
    """A model bundle is missing, corrupt, fails its integrity check or cannot run."""


class CancelledError(GynAIError):
    """The user cancelled a long-running operation."""


class ProcessFailedError(GynAIError):
    """A child process running a GynAI command failed (non-zero exit or an error event)."""


class UsageError(GynAIError):
    """Options that do not fit together or do not apply to the task."""


class StudyMismatchError(UsageError):
    """A prior study cannot be compared with the current one (another task, or not a metrics document)."""


class ClusterError(GynAIError):
    """A Dask cluster cannot be used: the scheduler is unreachable, no worker joins, or a worker cannot run GynAI."""


class PacsError(GynAIError):
    """A PACS (DICOMweb server) request failed: unreachable, refused the credentials, or answered an error."""


class PacsConfigError(PacsError):
    """A PACS configuration file is missing, not valid JSON, or has a missing or invalid setting."""
