"""Minimal PNG encoding and intensity windowing with numpy + zlib (no plotting library needed)."""

from __future__ import annotations

import struct
import zlib

import numpy as np



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


def window(slice_2d: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Grey levels (uint8) of a slice, windowed on the 1st to 99.5th percentile of ``reference``."""
    low, high = np.percentile(reference, [1, 99.5])
    scaled = np.clip((slice_2d - low) / (high - low if high > low else 1.0), 0, 1)
    return (scaled * 255).astype(np.uint8)
