"""File input/output: images (NRRD, NIfTI, MHA, DICOM series), labelmaps and Slicer .seg.nrrd files."""
