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
# correction of its CorrMM Op; it is applied when Aesara's module is first
# imported (now if it is already), and does nothing once Aesara's own code
# works (see blocks.bricks.conv_fix).
from blocks import _post_import  # noqa: E402


def _correct_corrmm(module):
    from blocks._corrmm import correct_corrmm
    correct_corrmm(module.CorrMM)


_post_import.when_imported('aesara.tensor.nnet.corr', _correct_corrmm)
