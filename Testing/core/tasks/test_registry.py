"""The task registry: every task's record is complete and its implementations load; the records alone say
what is task-specific (labels, lesions, template, DICOM extras, cohort columns, phantoms)."""

import dataclasses
import inspect

import pytest

from gynai.errors import LabelError, UsageError
from gynai.labels.terminology import task_terminology
from gynai.metrics.results.base import JsonRecord, TaskResults
from gynai.tasks import TASKS, get_task, label_synonyms, task_of_template
from gynai.tasks.record import ImportRef


def test_the_three_tasks_of_the_contract_in_order():
    assert list(TASKS) == ["uterus-fibroid", "placenta", "adnexal-mass"]
    assert [label.name for label in get_task("uterus-fibroid").labels] == ["Myometrium", "Endometrium", "Fibroid"]
    with pytest.raises(LabelError, match="unknown task 'cervix'"):
        get_task("cervix")


@pytest.mark.parametrize("task", TASKS.values(), ids=lambda t: t.id)
def test_every_implementation_named_by_a_record_loads(task):
    refs = [task.results, task.lesions.instance_map, task.report.sections, task.report.summary,
            *task.phantoms.values(), *([task.thickness_map] if task.thickness_map else [])]
    assert all(isinstance(ref, ImportRef) for ref in refs)
    assert all(callable(ref.load()) for ref in refs)
    results = task.results.load()
    assert issubclass(results, JsonRecord) and callable(results.measure) and callable(results.from_document)
    assert isinstance(results(), TaskResults)                       # the protocol the rest of the code uses
    assert set(results().cohort_row()) == set(task.cohort_columns)
    assert list(inspect.signature(task.report.sections.load()).parameters)[:2] == ["document", "figures"]


@pytest.mark.parametrize("task", TASKS.values(), ids=lambda t: t.id)
def test_labels_and_terminology(task):
    values = [label.value for label in task.labels]
    assert values == list(range(1, len(values) + 1))
    assert set(task_terminology(task)) == set(task.label_ids)      # every label is in GynAI.term.json
    for derived in task.derived:
        assert set(derived.parts) <= set(task.label_ids) and derived.id not in task.label_ids
        assert derived.required is None or derived.required in derived.parts
    assert set(task.lesions.organ_weights) <= set(task.label_ids)
    assert task.lesions.organ_structure in set(task.label_ids) | {d.id for d in task.derived}
    assert task.dicom.split_label is None or task.dicom.split_label in task.label_ids
    assert task.modality in task.phantoms and set(task.models) <= set(task.phantoms)


def test_templates_name_their_task_and_are_unique():
    assert len({task.report.id for task in TASKS.values()}) == len(TASKS)
    for task in TASKS.values():
        assert task_of_template(task.report.id) is task and task_of_template(task.id) is task
    with pytest.raises(UsageError, match="unknown report template 'cervix-staging'"):
        task_of_template("cervix-staging")


def test_synonyms_are_collected_by_label():
    synonyms = label_synonyms()
    assert synonyms["fibroid"] == ("leiomyoma", "myoma", "fibroids") and "cyst" in synonyms["adnexal-mass"]
    assert synonyms["myometrium"] == ()


def test_training_and_heldout_recipes():
    from gynai.heldout import HELDOUT_MODALITIES
    from gynai.training.bundle_writer import DEFAULT_POSTPROCESSING
    from gynai.training.train import TASK_TRAINING_DEFAULTS, TrainConfig, task_config

    codes = [task.heldout.code for task in TASKS.values()]
    assert len(set(codes)) == len(codes) == len(TASKS)            # one random stream per task
    assert HELDOUT_MODALITIES == {task.id: task.heldout.modalities for task in TASKS.values()}
    for task in TASKS.values():
        assert set(task.heldout.modalities) <= {"MR", "CT", "US"} and callable(task.heldout.scene.load())
        assert len(task.heldout.mr_sequences) == 5 and len(task.heldout.mr_planes) == 5
        assert set(task.training.defaults) <= {f.name for f in dataclasses.fields(TrainConfig)}
        assert DEFAULT_POSTPROCESSING[task.id] == task.training.postprocessing
        assert TASK_TRAINING_DEFAULTS[task.id] == task.training.defaults
        for modality in task.phantoms:
            assert task_config(task.id, modality).modality == modality
