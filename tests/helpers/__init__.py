"""Helpers shared by the tests of several domains (test data written straight to the store, logins,
an app client). Only the test's own world lives here; expected values stay in each test."""
