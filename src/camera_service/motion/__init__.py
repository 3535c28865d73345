"""Motion detection.

Pure cores, no I/O (frames come in as numpy arrays, times as numbers): the detector
(``detector``), masks (``masks``), the event state machine (``tracker``) and the settings
(``settings``). The service that runs them per camera (``service``, ``worker``) composes the
adapters ``media.frames`` (frames read by ffmpeg), ``media.event_store`` (events in SQLite)
and ``media.event_pictures`` (their JPEGs); ``app`` wires it in.
"""
