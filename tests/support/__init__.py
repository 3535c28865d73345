"""Helpers shared by the test suites: real stand-ins for things the tests talk to."""
