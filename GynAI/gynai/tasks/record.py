"""The record of one segmentation task: everything that differs between tasks, in one place.

A :class:`Task` holds data (labels and their terminology, derived structures, report template, cohort
columns, how lesions are followed, what the DICOM SEG and SR add, its training and held-out evaluation
recipes) and names the implementations that belong to the task (its typed metrics, report sections, lesion
instance map, phantom generators, held-out scene) by
import path (:class:`ImportRef`), loaded on first use. The records therefore import nothing but these
types, so every room may ask the registry (:mod:`gynai.tasks`) without an import circle, although the
implementations themselves ask it for their labels (e.g. a phantom for its label table); and Slicer's
module files can list the tasks at start-up without loading the metrics code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Optional

from gynai.image import LabelInfo
from gynai.labels.codes import Code


@lru_cache(maxsize=None)
def _load(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class ImportRef:
    """An implementation named as ``"package.module:attribute"``, imported on first :meth:`load`."""

    path: str

    def load(self) -> Any:
        """The named object (imported once, then cached).

        Raises:
            ImportError: The module does not exist.
            AttributeError: The module has no such attribute.
        """
        return _load(self.path)


@dataclass(frozen=True)
class SegmentSpec:
    """A label of a task with its display properties, terminology codes and accepted names.

    Attributes:
        label: Value, id, display name and colour.
        category: Terminology category (e.g. Tissue).
        type: Terminology type (e.g. Leiomyoma).
        region: Anatomic region, when the type needs one (e.g. a mass of the ovary).
        synonyms: Other segment names that mean this label (normalised: lower case, words joined by ``-``).
        translucent: An enclosing organ, drawn translucent over the others in the 3D overview.
    """

    label: LabelInfo
    category: Code
    type: Code
    region: Optional[Code] = None
    synonyms: tuple[str, ...] = ()
    translucent: bool = False


def segment(value: int, ident: str, name: str, rgb: tuple[int, int, int], category: Code, code: Code,
            region: Optional[Code] = None, synonyms: tuple[str, ...] = (), translucent: bool = False) -> SegmentSpec:
    """A :class:`SegmentSpec` with its colour given as 8-bit RGB."""
    color = tuple(round(c / 255.0, 4) for c in rgb)
    return SegmentSpec(LabelInfo(value, ident, name, color), category, code, region,  # type: ignore[arg-type]
                       synonyms, translucent)


@dataclass(frozen=True)
class DerivedStructure:
    """A structure measured as the union of labels, e.g. the uterus = myometrium ∪ endometrium ∪ fibroid.

    ``required``: a part without which the structure is not measured (its volume would be invented).
    """

    id: str
    parts: tuple[str, ...]
    required: Optional[str] = None


@dataclass(frozen=True)
class LesionModel:
    """What a lesion is for this task: key images, DICOM SEG instances and the follow-up comparison.

    Attributes:
        kind: Name of one lesion (``fibroid``, ``placenta``, ``adnexal lesion``); finding groups are
            ``"<kind> <n>"``.
        organ_structure: The structure whose volume is followed (``structures`` id).
        organ_weights: Labels of the organ registered rigidly in a follow-up, with their weights.
        instance_map: ``f(labels) -> array`` of lesion numbers 1..n, numbered as the metrics number them.
        key_image_title: Title of a lesion's key image, ``{n}`` its number.
    """

    kind: str
    organ_structure: str
    organ_weights: Mapping[str, float]
    instance_map: ImportRef
    key_image_title: str


@dataclass(frozen=True)
class ReportTemplate:
    """The structured report of the task's clinical question.

    Attributes:
        id: Template id (``fibroid-mapping`` …), also accepted by GynAIReport in place of the task id.
        title: Report title.
        titles_by_modality: Another title for images of this modality (e.g. ultrasound).
        sections: ``f(document, figures) -> list[Section]``: the template's own sections.
        summary: ``f(findings) -> list[str]``: the summary lines of the task's metrics block.
        notes_in_notes_section: The metrics block's notes go to the report's Notes section (else the
            template's sections show them).
    """

    id: str
    title: str
    sections: ImportRef
    summary: ImportRef
    titles_by_modality: Mapping[str, str] = field(default_factory=dict)
    notes_in_notes_section: bool = True

    def title_for(self, modality: str) -> str:
        """The title of a report on an image of ``modality``."""
        return self.titles_by_modality.get(modality, self.title)


@dataclass(frozen=True)
class DicomStyle:
    """What the DICOM SEG and SR add for the task.

    Attributes:
        split_label: A label stored as one SEG segment per lesion instance (``Fibroid 1`` …).
        whole_lesion: Codes and colour of an overlapping SEG segment per lesion (a lesion of several labels).
        whole_lesion_name: Name of that segment, ``{}`` the lesion number.
        finding_types: SR finding type of the measurement groups that have no segment, by group name
            (trailing number removed).
        finding_sites: SR Finding Site of those groups, by group name (trailing number removed).
        sr_groups: Measurement key → the SR group (without segment) that reports it, for summary figures
            about another finding than their findings group (the fibroid count, total volume and burden are
            findings of the uterus summary, but the SR reports them in a fibroid group).
        group_shapes: SR group without segment → the derived structure whose shape figures it reports
            (volume, ellipsoid volume, length / width / height, maximum 3D diameter, surface area).
    """

    split_label: Optional[str] = None
    whole_lesion: Optional[SegmentSpec] = None
    whole_lesion_name: str = ""
    finding_types: Mapping[str, Code] = field(default_factory=dict)
    finding_sites: Mapping[str, Code] = field(default_factory=dict)
    sr_groups: Mapping[str, str] = field(default_factory=dict)
    group_shapes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingRecipe:
    """What ``gynai train`` applies for the task on top of the shared recipes of :mod:`gynai.training.train`.

    Attributes:
        defaults: ``TrainConfig`` settings of the task (e.g. its training scenes' ``scene_kind``, class-balanced
            sampling of a small label).
        ultrasound: Settings of an ultrasound model (``--modality US``), applied after ``defaults``.
        randomized_ultrasound: Settings of the domain-randomised ultrasound recipe, applied after those.
        postprocessing: The bundle's post-processing of the model output (small islands, holes).
    """

    defaults: Mapping[str, Any] = field(default_factory=dict)
    ultrasound: Mapping[str, Any] = field(default_factory=dict)
    randomized_ultrasound: Mapping[str, Any] = field(default_factory=dict)
    postprocessing: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HeldoutRecipe:
    """How the held-out evaluation generator (:mod:`gynai.heldout`, written apart from the training generators)
    makes the task's phantoms.

    Attributes:
        code: The task's number in the generator's random streams (a seed gives the same case for ever).
        modalities: The modalities it renders for the task.
        scene: ``f(scene, rng, morphology=None, placenta_position=None)``: paints the task's anatomy.
        mr_planes: MR planning: weights of the axial, sagittal and coronal planes, the probability of a plane
            aligned with the organ, readout field of view (mm), coverage (mm) and slice thickness (mm) ranges.
        mr_sequences: Weights of the MR sequences (:data:`gynai.heldout.mr_contrast.SEQUENCES`, in order).
    """

    code: int
    modalities: tuple[str, ...]
    scene: ImportRef
    mr_planes: tuple[Any, ...]
    mr_sequences: tuple[float, ...]


@dataclass(frozen=True)
class Task:
    """A segmentation task (see the module docstring).

    Attributes:
        id: Task id (a contract: ``uterus-fibroid``, ``placenta``, ``adnexal-mass``).
        description: One sentence.
        modality: The modality of its default model.
        segments: Its exclusive labels, in label-value order.
        derived: Structures measured as unions of labels.
        results: The typed metrics block (:class:`gynai.metrics.results.base.TaskResults`).
        lesions: What a lesion is.
        report: The report template.
        dicom: SEG and SR extras.
        cohort_columns: Key metrics in ``cohort.csv`` (keys of ``results.cohort_row()``, units in names).
        phantoms: Phantom generator per modality: ``f(seed, config=None) -> PhantomCase``.
        models: Name of the shipped model per input modality (the default when installed).
        thickness_map: ``f(labels) -> Image | None``: a thickness map the task can also write, if any.
        training: What ``gynai train`` applies for the task.
        heldout: How the held-out evaluation generator makes its phantoms (None: it makes none).
    """

    id: str
    description: str
    modality: str
    segments: tuple[SegmentSpec, ...]
    results: ImportRef
    lesions: LesionModel
    report: ReportTemplate
    cohort_columns: tuple[str, ...]
    phantoms: Mapping[str, ImportRef]
    derived: tuple[DerivedStructure, ...] = ()
    dicom: DicomStyle = field(default_factory=DicomStyle)
    models: Mapping[str, str] = field(default_factory=dict)
    thickness_map: Optional[ImportRef] = None
    training: TrainingRecipe = field(default_factory=TrainingRecipe)
    heldout: Optional[HeldoutRecipe] = None

    @property
    def labels(self) -> tuple[LabelInfo, ...]:
        """The label table of this task."""
        return tuple(spec.label for spec in self.segments)

    @property
    def label_ids(self) -> tuple[str, ...]:
        """The ids of its labels."""
        return tuple(spec.label.id for spec in self.segments)

    @property
    def modalities(self) -> tuple[str, ...]:
        """The modalities it has phantoms for (its default modality first)."""
        return tuple(self.phantoms)

    def segment(self, label_id: str) -> Optional[SegmentSpec]:
        """The segment of a label id, or None."""
        return next((spec for spec in self.segments if spec.label.id == label_id), None)
