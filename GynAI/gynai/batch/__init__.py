"""Cohort processing: ``gynai batch INPUT OUTPUT --task TASK`` (segment, measure and report every case)."""

from gynai.batch.run import BatchResult, run_batch

__all__ = ["BatchResult", "run_batch"]
