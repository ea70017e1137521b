"""Correct Aesara 2.9.4's CPU convolution; ``import blocks`` applies it.

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
that works, so a fixed Aesara is used as it is.

"""
import warnings

from aesara import tensor
from aesara.graph.basic import Apply
from aesara.tensor.type import TensorType

with warnings.catch_warnings():
    # ``aesara.tensor.nnet`` warns that it is deprecated on import; it is
    # still where Aesara 2.9's convolutions live.
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.nnet import corr

__all__ = ['correct_corrmm', 'corrected_make_node', 'make_node_works',
           'UPSTREAM_MAKE_NODE']

#: Aesara's own ``CorrMM.make_node``, as it was before any correction.
UPSTREAM_MAKE_NODE = corr.CorrMM.make_node


def corrected_make_node(self, img, kern):
    """Build a ``CorrMM`` node: what ``CorrMM.make_node`` means to do.

    Parameters
    ----------
    img : :class:`~aesara.tensor.TensorVariable`
        The images, a 4-tensor ``(batch, channels, rows, columns)``.
    kern : :class:`~aesara.tensor.TensorVariable`
        The filters, a 4-tensor ``(filters, channels, rows, columns)``, or
        a 6-tensor for an unshared correlation.

    """
    img = tensor.as_tensor_variable(img)
    kern = tensor.as_tensor_variable(kern)
    img, kern = self.as_common_dtype(img, kern)
    if img.type.ndim != 4:
        raise TypeError("img must be 4D tensor")
    kern_ndim = 6 if self.unshared is True else 4
    if kern.type.ndim != kern_ndim:
        raise TypeError("kern must be {}D tensor".format(kern_ndim))
    # Upstream bug: Aesara 2.9.4 writes ``tuple(a, b, c, d)`` here, which
    # raises "tuple expected at most 1 argument, got 4"; make_node_works()
    # notices when an Aesara release builds this node itself.
    out_shape = (1 if img.type.shape[0] == 1 else None,
                 1 if kern.type.shape[0] == 1 else None,
                 None, None)
    output = TensorType(img.type.dtype, shape=out_shape)()
    return Apply(self, [img, kern], [output])


def make_node_works(op_class=None):
    """Whether an Op class's own ``make_node`` builds a correlation node.

    Parameters
    ----------
    op_class : type, optional
        A ``CorrMM``-like Op class; Aesara's ``CorrMM`` by default.

    Returns
    -------
    bool
        False if building a node on two float64 4-tensors raises a
        ``TypeError``, as Aesara 2.9.4's ``CorrMM`` does.

    """
    if op_class is None:
        op_class = corr.CorrMM
    try:
        op_class()(tensor.tensor4(dtype='float64'),
                   tensor.tensor4(dtype='float64'))
    except TypeError:
        return False
    return True


def correct_corrmm(op_class=None):
    """Correct ``CorrMM.make_node`` unless Aesara's own works.

    Parameters
    ----------
    op_class : type, optional
        The class to correct; Aesara's ``CorrMM`` by default.

    Returns
    -------
    bool
        True if the class now uses :func:`corrected_make_node`, False if
        its own ``make_node`` works and was left alone.

    """
    if op_class is None:
        op_class = corr.CorrMM
    if op_class.make_node is corrected_make_node:
        return True
    if make_node_works(op_class):
        return False
    op_class.make_node = corrected_make_node
    return True
