"""A development stack: the service beside a MediaMTX configured as the Ansible role
configures it (``make run``)."""
