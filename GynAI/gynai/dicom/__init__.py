"""DICOM output: the source series (read or generated), DICOM SEG and the TID 1500 measurement report."""
