"""Motion detection: pure cores (the detector, masks, the event state machine, settings).

Nothing in this package does I/O: frames come in as numpy arrays, times as numbers. The
adapters (``media.frames`` reads frames with ffmpeg, ``motion_store`` keeps events in SQLite)
and the service (``services.motion``) are elsewhere.
"""
