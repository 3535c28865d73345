from support.fixtures import rtsp_server, rtsp_server_module  # noqa: F401
