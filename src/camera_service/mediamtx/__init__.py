"""MediaMTX integration: the Control API v3 client (``client``, ``models``), the path
configuration per camera (``paths``), the pure reconciler (``reconcile``), the systemd unit
state reader (``unit_state``), streams kept published by ``start_streaming`` (``keepalive``,
pure; ``streaming``, its I/O), whether MediaMTX answers (``health``), the loop that keeps its
paths equal to the cameras (``path_sync``), stream URLs (``urls``) and ``service.StreamService``
that ties them together.

Modules are imported one by one (``from camera_service.mediamtx.reconcile import …``) so that
the pure ones never pull in aiohttp.
"""
