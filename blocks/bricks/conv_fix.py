"""Correct Aesara 2.9.4's CPU convolution; ``import blocks`` arranges it.

On the CPU, Aesara rewrites the abstract convolution that
:func:`aesara.tensor.nnet.conv2d` builds into ``CorrMM`` (im2col followed by
a GEMM), and its gradients into ``CorrMM_gradWeights`` and
``CorrMM_gradInputs``. In Aesara 2.9.4, ``CorrMM.make_node`` cannot build a
node, so the rewrite fails, Aesara falls back to its legacy ``ConvOp``, which
rejects the rewrite's ``direction_hint``, and no forward convolution can be
compiled ("AbstractConv2d Aesara rewriting failed: there is no
implementation available"). The gradient Ops build their nodes correctly,
but their own gradients (second derivatives) construct a ``CorrMM`` and fail
the same way.

:func:`correct_corrmm` replaces ``CorrMM.make_node`` by
:func:`corrected_make_node`, which builds the same node, and leaves
everything else (the C code, the gradients, the rewrites) as Aesara ships
it. It first probes Aesara's own ``make_node`` and corrects nothing when
that works, so a fixed Aesara is used as it is. ``import blocks`` does not
import Aesara: it arranges for the correction to be applied as soon as
Aesara's ``aesara.tensor.nnet.corr`` module is imported, by Blocks or by
the user, or at once if it is imported already.

"""
import warnings

from blocks import _corrmm
from blocks._corrmm import correct_corrmm, corrected_make_node, make_node_works

with warnings.catch_warnings():
    # ``aesara.tensor.nnet`` warns that it is deprecated on import; it is
    # still where Aesara 2.9's convolutions live.
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.nnet import corr

__all__ = ['correct_corrmm', 'corrected_make_node', 'make_node_works',
           'UPSTREAM_MAKE_NODE']

#: Aesara's own ``CorrMM.make_node``, as it was before any correction.
UPSTREAM_MAKE_NODE = _corrmm.UPSTREAM_MAKE_NODE or corr.CorrMM.make_node
