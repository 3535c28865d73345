"""Camera discovery: the registry (pure state), udev and V4L2 adapters (``v4l2`` probes over
the ABI in ``v4l2_abi``, in ``probe_threads``), network probing."""
