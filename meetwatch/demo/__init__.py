"""Synthetic meetings: galleries drawn like Zoom, Teams and Meet for `meetwatch demo` and tests.

Nothing here is part of the live pipeline; it only produces frames the pipeline can consume
without a real meeting (and without shipping anyone's face: the demo faces come from sample
images bundled with scikit-image and matplotlib).
"""
