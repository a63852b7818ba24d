"""One case pipeline: ``load_case`` (image + segmentation + reference regions + priors) → ``measure_case``
(pure) → ``build_report`` (computes the follow-up, returns a report model) → ``write_outputs`` (I/O only, one
staged folder). The command line, ``gynai batch``, ``gynai demo`` and the Slicer modules call these steps.
"""

from gynai.case.load import load_case, read_priors, read_segmentation, reference_regions
from gynai.case.pipeline import build_report, followup_of, measure_case, report_case, write_report
from gynai.case.record import Case, Prior
from gynai.report.outputs import FORMATS, parse_formats, write_outputs

__all__ = ["FORMATS", "Case", "Prior", "build_report", "followup_of", "load_case", "measure_case", "parse_formats",
           "read_priors", "read_segmentation", "reference_regions", "report_case", "write_outputs", "write_report"]
