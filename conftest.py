"""Test-session setup: import blocks first, so that Aesara is configured
(e.g. linked to an optimised BLAS) before any test module imports it."""
import blocks  # noqa: F401
