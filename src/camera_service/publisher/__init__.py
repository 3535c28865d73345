"""The runOnDemand publisher of a camera path (``__main__``); see ``publish_grants``."""
