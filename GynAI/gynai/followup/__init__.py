"""Follow-up comparison of a study with prior studies: alignment, lesion matching, volume change, trend.

Entry point: :func:`compare_studies` (schema ``gynai.followup/1``, docs/followup.md).
"""

from gynai.followup.align import Alignment, align_organs, centroid_alignment
from gynai.followup.compare import SCHEMA, compare_studies
from gynai.followup.lesions import Lesion, document_lesions
from gynai.followup.matching import Match, match_by_centroid, match_by_overlap

__all__ = ["SCHEMA", "Alignment", "Lesion", "Match", "align_organs", "centroid_alignment", "compare_studies",
           "document_lesions", "match_by_centroid", "match_by_overlap"]
