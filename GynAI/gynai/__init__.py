"""GynAI core library: Qt-free, Slicer-free image types, I/O, phantoms, inference and metrics."""

from gynai.errors import GynAIError
from gynai.image import Geometry, Image, LabelImage, LabelInfo

__version__ = "0.1.0"

__all__ = ["Geometry", "GynAIError", "Image", "LabelImage", "LabelInfo", "__version__"]
