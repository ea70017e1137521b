"""Correct Aesara 2.9.4's CPU convolution: the implementation of
:mod:`blocks.bricks.conv_fix`, which describes it.

This module imports only what Aesara's ``corr`` module has imported
already, so that :mod:`blocks` can apply the correction right after Aesara
imports ``corr`` (see :mod:`blocks._post_import`).

"""
import sys
import warnings

from aesara import tensor
from aesara.graph.basic import Apply
from aesara.tensor.type import TensorType



def _corr():
    """Aesara's ``aesara.tensor.nnet.corr`` module, imported if need be."""
    module = sys.modules.get('aesara.tensor.nnet.corr')
    if module is None:
        with warnings.catch_warnings():
            # ``aesara.tensor.nnet`` warns that it is deprecated on import;
            # it is still where Aesara 2.9's convolutions live.
            warnings.simplefilter('ignore', DeprecationWarning)
            from aesara.tensor.nnet import corr as module
    return module

__all__ = ['correct_corrmm', 'corrected_make_node', 'make_node_works',
           'UPSTREAM_MAKE_NODE']

#: Aesara's own ``CorrMM.make_node``, recorded before it is corrected.
UPSTREAM_MAKE_NODE = None


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
        op_class = _corr().CorrMM
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
    global UPSTREAM_MAKE_NODE
    if op_class is None:
        op_class = _corr().CorrMM
    if op_class.make_node is corrected_make_node:
        return True
    if make_node_works(op_class):
        return False
    if UPSTREAM_MAKE_NODE is None and \
            op_class is getattr(sys.modules.get('aesara.tensor.nnet.corr'),
                                'CorrMM', None):
        UPSTREAM_MAKE_NODE = op_class.make_node
    op_class.make_node = corrected_make_node
    return True
