"""Minimal PNG encoding and slice rendering with numpy + zlib (no plotting library needed)."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from gynai.image import Image, LabelImage


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, 3) uint8 array."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"encode_png needs an (H, W, 3) uint8 array, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[:2]
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _window(slice_2d: np.ndarray, reference: np.ndarray) -> np.ndarray:
    low, high = np.percentile(reference, [1, 99.5])
    scaled = np.clip((slice_2d - low) / (high - low if high > low else 1.0), 0, 1)
    return (scaled * 255).astype(np.uint8)


def render_overlay(image: Image, labels: LabelImage, k: int | None = None, opacity: float = 0.45,
                   scale: int = 2) -> np.ndarray:
    """RGB rendering of slice ``k`` (default: the slice with most labelled voxels) with label colours.

    Pixels are drawn at their true aspect ratio (rows scaled by spacing j / spacing i).
    """
    if k is None:
        counts = (labels.array > 0).reshape(labels.array.shape[0], -1).sum(axis=1)
        k = int(np.argmax(counts))
    grey = _window(image.array[k].astype(float), image.array).astype(float)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    for label in labels.labels:
        mask = labels.array[k] == label.value
        colour = np.array(label.color_rgb) * 255
        rgb[mask] = (1 - opacity) * rgb[mask] + opacity * colour
    spacing_i, spacing_j = image.geometry.spacing_mm[0], image.geometry.spacing_mm[1]
    rows = np.clip(np.round(np.arange(int(rgb.shape[0] * spacing_j / spacing_i * scale)) * spacing_i / spacing_j
                            / scale).astype(int), 0, rgb.shape[0] - 1)
    cols = np.clip(np.arange(rgb.shape[1] * scale) // scale, 0, rgb.shape[1] - 1)
    return rgb[rows][:, cols].astype(np.uint8)
