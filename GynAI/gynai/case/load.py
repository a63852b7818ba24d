"""Loading a case from files: the image (its modality decided here), the segmentation brought onto the image's
grid and matched to the task, the reference regions and the prior studies."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from gynai.case.record import Case, Prior
from gynai.errors import LabelError, UsageError
from gynai.followup.priors import load_prior
from gynai.image import Image, LabelImage
from gynai.io.images import read_image, read_label_array
from gynai.io.segnrrd import read_seg_file, read_seg_nrrd
from gynai.labels.grid import labels_on_image_grid
from gynai.labels.matching import match_segments
from gynai.labels.regions import parse_roi, sphere_mask
from gynai.labels.spec import parse_label_spec

logger = logging.getLogger(__name__)


def read_segmentation(path: Path, task_id: str, label_spec: Optional[str], image: Image, resample: bool = False
                      ) -> tuple[LabelImage, dict[str, np.ndarray], Optional[dict]]:
    """Read a .seg.nrrd or a labelmap (with ``label_spec``), bring it onto the image grid and match its segments
    to the task (:mod:`gynai.labels.matching`).

    A crop on the image's lattice is placed exactly; another grid is refused unless ``resample``.

    Returns:
        ``(labels on the task's table, reference masks from segments named Muscle/Myometrium, model
        provenance recorded by gynai segment in a .seg.nrrd or None)``.

    Raises:
        LabelError: A plain labelmap without ``label_spec``, values without a name, or no segment of the task.
        GeometryError: Another grid without ``resample``, or no overlap with the image.
    """
    path = Path(path)
    model = None
    if str(path).endswith(".seg.nrrd"):
        labels, model = read_seg_file(path)
        if model is not None and model["edited"]:
            logger.info("%s was edited after the model %s wrote it: reported as semi-automatic", path.name,
                        model["name"])
    else:
        if not label_spec:
            raise LabelError(f"{path} is a plain labelmap: give its label values with --labels "
                             "(e.g. 1=myometrium,2=endometrium,3=fibroid)")
        array, geometry = read_label_array(path)
        labels = LabelImage(array, geometry, parse_label_spec(label_spec, task_id))
    labels = labels_on_image_grid(labels, image.geometry, image.array.shape, resample, f"segmentation {path.name}")
    unknown = labels.unknown_values()
    if unknown:
        raise LabelError(f"segmentation {path} has label values {unknown} without a name; list them in --labels")
    try:
        matched = match_segments(labels, task_id)
    except LabelError as error:
        raise LabelError(f"segmentation {path.name}: {error}") from None
    return matched.labels, matched.references, model


def reference_regions(image: Image, from_segments: dict[str, np.ndarray], rois: Sequence[str] = ()
                      ) -> dict[str, np.ndarray]:
    """Reference masks: segments named Muscle/Myometrium, then ``--roi`` spheres (which take precedence).

    Raises:
        LabelError, GeometryError: A malformed ``--roi`` or one outside the image.
    """
    references = dict(from_segments)
    for spec in rois:
        name, centre, radius = parse_roi(spec)
        if name in references:
            logger.info("--roi %s replaces the segment of the same name as the reference region", name)
        references[name] = sphere_mask(image.geometry, image.array.shape, centre, radius)
    return references


def read_priors(paths: Sequence[Path], prior_segmentation: Optional[Path] = None) -> Optional[Prior]:
    """The prior studies of ``--prior`` (oldest first; the last one is compared lesion by lesion) and the last
    one's ``--prior-segmentation``; None without a prior.

    Raises:
        UsageError: A prior segmentation without a prior, or one that is not a .seg.nrrd.
        InputFileError: A prior that is not a GynAI metrics or report document.
    """
    if not paths:
        if prior_segmentation:
            raise UsageError("--prior-segmentation needs --prior (the prior study's metrics.json or report.json)")
        return None
    priors = [load_prior(path) for path in paths]
    label, metrics = priors[-1]
    labels = None
    if prior_segmentation:
        if not str(prior_segmentation).endswith(".seg.nrrd"):
            raise UsageError(f"--prior-segmentation {prior_segmentation} must be a .seg.nrrd file")
        labels = read_seg_nrrd(prior_segmentation)
    return Prior(metrics, labels, label, tuple(priors[:-1]))


def load_case(image_path: Path, segmentation_path: Path, task_id: str, *, label_spec: Optional[str] = None,
              resample: bool = False, rois: Sequence[str] = (), modality: Optional[str] = None,
              priors: Sequence[Path] = (), prior_segmentation: Optional[Path] = None,
              resample_irregular: bool = False) -> Case:
    """A case from files, as ``gynai measure`` and ``gynai report`` read it.

    Args:
        image_path: Image file or DICOM series folder.
        segmentation_path: ``.seg.nrrd``, or a labelmap with ``label_spec`` (``1=myometrium,…``).
        task_id: Task of the segmentation.
        label_spec: Label values of a plain labelmap.
        resample: Resample a segmentation on another grid (nearest neighbour).
        rois: Reference spheres ``NAME=X,Y,Z,R`` (LPS mm).
        modality: The image's modality when its file does not record one.
        priors: Prior studies' metrics.json or report.json, oldest first.
        prior_segmentation: The last prior's .seg.nrrd.
        resample_irregular: Resample a DICOM series with irregular slice positions instead of refusing it.
    """
    image = read_image(image_path, modality, resample_irregular)
    labels, from_segments, model = read_segmentation(segmentation_path, task_id, label_spec, image, resample)
    return Case(image, labels, task_id, reference_regions(image, from_segments, rois), model,
                {"image": Path(image_path).name, "segmentation": Path(segmentation_path).name},
                read_priors(priors, prior_segmentation))
