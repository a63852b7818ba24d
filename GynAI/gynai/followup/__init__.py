"""Follow-up comparison of a study with prior studies: alignment, lesion matching, volume change, trend."""

from gynai.followup.align import Alignment, align_organs, centroid_alignment
from gynai.followup.compare import SCHEMA, compare_studies

__all__ = ["SCHEMA", "Alignment", "align_organs", "centroid_alignment", "compare_studies"]
