"""Camera discovery: the registry (pure state), udev and V4L2 adapters, network probing."""
