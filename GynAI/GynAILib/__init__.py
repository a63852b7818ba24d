"""MRML adapters of GynAI (layer 2): vtk + slicer + gynai only, no Qt. Import submodules explicitly."""
