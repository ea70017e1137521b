"""Blocks: build and train neural networks as annotated Aesara graphs."""
# Before anything imports aesara: point it at an optimised BLAS, unless the
# user configured one (see blocks/_blas.py).
from blocks._blas import configure_blas as _configure_blas
_configure_blas()

__version__ = '0.3.0.dev0'
