"""Where training patches come from: prepared cases with augmentation, domain-randomised scenes, or a mix.

Every source has ``sample() -> (image, labels)`` (float32 and uint8 arrays of the patch size) and
``reseed(seed)``; :class:`PatchDataset` streams batches from one in DataLoader worker processes, each
worker reseeded, so sample synthesis runs beside the network's training step.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from gynai.training.data import PreparedCase, augment_bias_field, augment_intensity, sample_patch


class PatchSource(Protocol):
    """A stream of training patches."""

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """One (image, labels) patch."""

    def reseed(self, seed: int) -> None:
        """Restart the random stream from ``seed``."""


class CaseSource:
    """Random patches of prepared cases with intensity and bias-field augmentation (the classic recipe)."""

    def __init__(self, cases: Sequence[PreparedCase], patch_zyx: tuple[int, int, int], seed: int = 0,
                 foreground_probability: float = 0.7, class_balanced: bool = False,
                 bias_field_strength: float = 0.0) -> None:
        if not cases:
            raise ValueError("a case source needs at least one case")
        self.cases = list(cases)
        self.patch_zyx = patch_zyx
        self.foreground_probability = foreground_probability
        self.class_balanced = class_balanced
        self.bias_field_strength = bias_field_strength
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Restart the random stream."""
        self.rng = np.random.default_rng(seed)

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """A patch of a random case, augmented."""
        case = self.cases[int(self.rng.integers(len(self.cases)))]
        patch, target = sample_patch(case, self.patch_zyx, self.rng, self.foreground_probability, self.class_balanced)
        patch = augment_intensity(augment_bias_field(patch, self.rng, self.bias_field_strength), self.rng)
        return patch, target.astype(np.uint8)


class MixedSource:
    """Draws each patch from one of several sources, chosen by weight."""

    def __init__(self, sources: Sequence[PatchSource], weights: Sequence[float], seed: int = 0) -> None:
        if len(sources) != len(weights) or not sources:
            raise ValueError("give one weight per source")
        total = float(sum(weights))
        self.sources = list(sources)
        self.weights = [w / total for w in weights]
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Reseed this source and every member (each from its own stream)."""
        self.rng = np.random.default_rng([seed, 5])
        for index, source in enumerate(self.sources):
            source.reseed(int(np.random.default_rng([seed, 6, index]).integers(2 ** 31)))

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """A patch from a source chosen by weight."""
        return self.sources[int(self.rng.choice(len(self.sources), p=self.weights))].sample()


def patch_loader(source: PatchSource, batch_size: int, seed: int, workers: int):
    """An endless torch DataLoader of (image [B, 1, z, y, x], labels [B, 1, z, y, x]) batches.

    With ``workers`` > 0 the samples are made in that many worker processes (each reseeded from
    ``seed`` and its id, one torch thread each); with 0, in this process.
    """
    import torch
    from torch.utils.data import DataLoader, IterableDataset, get_worker_info

    class PatchDataset(IterableDataset):
        def __iter__(self):
            info = get_worker_info()
            if info is not None:
                torch.set_num_threads(1)
                source.reseed(seed * 1000 + info.id + 1)
            while True:
                image, labels = source.sample()
                yield torch.from_numpy(np.ascontiguousarray(image)[None]), \
                    torch.from_numpy(np.ascontiguousarray(labels)[None].astype(np.int64))

    source.reseed(seed)
    return DataLoader(PatchDataset(), batch_size=batch_size, num_workers=workers,
                      persistent_workers=workers > 0, prefetch_factor=4 if workers > 0 else None)
