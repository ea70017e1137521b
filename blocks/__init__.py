"""Blocks: build and train neural networks as annotated Aesara graphs."""
from blocks import _blas

# Before anything imports aesara: point it at an optimised BLAS and drop
# g++'s debugging information, unless the user configured these. Nothing
# here may import aesara: the start-up hook of _blocks_aesara_hook imports
# this package while aesara is being imported.
_blas.configure_blas()
_blas.configure_cxxflags()

__version__ = '0.3.0.dev0'

# Aesara 2.9.4 cannot compile a convolution on the CPU without this
# correction; it does nothing once Aesara's own code works.
from blocks.bricks import conv_fix  # noqa: E402

conv_fix.correct_corrmm()
