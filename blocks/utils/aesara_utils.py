"""Helpers for Aesara variables: shared variables, checks and hooks."""
import numpy
import aesara
from aesara import tensor
from aesara.compile.sharedvalue import SharedVariable
from aesara.graph.basic import Constant, Variable

__all__ = ['shared_floatx', 'shared_floatx_zeros',
           'shared_floatx_zeros_matching', 'shared_floatx_nans', 'shared_like',
           'check_aesara_variable', 'is_graph_input', 'is_shared_variable',
           'put_hook']


def shared_floatx(value, name=None, borrow=False, dtype=None, **kwargs):
    """Transform a value into a shared variable of type floatX.

    Parameters
    ----------
    value : ndarray
        The value of the shared variable.
    name : str, optional
        The name of the shared variable.
    borrow : bool, optional
        If True, the value is not copied when possible.
    dtype : str, optional
        The dtype of the variable; ``aesara.config.floatX`` by default.
    \\*\\*kwargs
        Passed on to :func:`aesara.shared`.

    Returns
    -------
    :class:`~aesara.tensor.sharedvar.TensorSharedVariable`

    """
    if dtype is None:
        dtype = aesara.config.floatX
    return aesara.shared(numpy.asarray(value, dtype=dtype), name=name,
                         borrow=borrow, **kwargs)


def shared_floatx_zeros(shape, **kwargs):
    """Create a shared variable array filled with zeros.

    Parameters
    ----------
    shape : tuple
        The shape of the array.
    \\*\\*kwargs
        Passed on to :func:`shared_floatx`.

    """
    return shared_floatx(numpy.zeros(shape), **kwargs)


def shared_floatx_zeros_matching(shared_variable, name=None, **kwargs):
    """Create a shared variable of zeros shaped like ``shared_variable``."""
    value = numpy.zeros_like(shared_variable.get_value(borrow=True))
    return shared_floatx(value, name=name, **kwargs)


def shared_floatx_nans(shape, **kwargs):
    """Create a shared variable array filled with NaNs.

    Parameters
    ----------
    shape : tuple
        The shape of the array.
    \\*\\*kwargs
        Passed on to :func:`shared_floatx`.

    Examples
    --------
    >>> shared_floatx_nans((2,)).get_value()
    array([nan, nan]...)

    """
    return shared_floatx(numpy.nan * numpy.zeros(shape), **kwargs)


def shared_like(variable, name=None, **kwargs):
    """Construct a shared variable to hold the value of a tensor variable.

    Parameters
    ----------
    variable : :class:`~aesara.graph.basic.Variable`
        The variable whose dtype and ndim will be used to construct the new
        shared variable.
    name : str, optional
        The name of the shared variable; ``variable``'s name with
        ``_shared`` appended by default.
    \\*\\*kwargs
        Passed on to :func:`aesara.shared`.

    """
    variable = tensor.as_tensor_variable(variable)
    if name is None:
        name = "shared_{}".format(variable.name)
    return aesara.shared(numpy.zeros((0,) * variable.ndim,
                                     dtype=variable.dtype),
                         name=name, **kwargs)


def check_aesara_variable(variable, n_dim, dtype_prefix):
    """Check the number of dimensions and the dtype of a variable.

    If the input is not an Aesara variable it is converted to one. ``None``
    is handled as a special case: no checks are done.

    Parameters
    ----------
    variable : :class:`~aesara.graph.basic.Variable` or convertible
        The variable to check.
    n_dim : int
        The expected number of dimensions.
    dtype_prefix : str
        The expected dtype prefix (``'float'``, ``'int'``, ...).

    Raises
    ------
    ValueError
        If the variable does not have the expected ndim or dtype.

    """
    if variable is None:
        return
    if not isinstance(variable, Variable):
        variable = tensor.as_tensor_variable(variable)
    if n_dim is not None and variable.ndim != n_dim:
        raise ValueError("Wrong number of dimensions:"
                         "\n\texpected {}, got {}".format(
                             n_dim, variable.ndim))
    if dtype_prefix is not None and \
            not variable.dtype.startswith(dtype_prefix):
        raise ValueError("Wrong dtype prefix:"
                         "\n\texpected starting with {}, got {}".format(
                             dtype_prefix, variable.dtype))


def is_graph_input(variable):
    """Check if a variable is a user-provided graph input.

    To be considered an input the variable must have no owner, and not be
    a constant or shared variable.

    """
    return (not variable.owner and
            not isinstance(variable, SharedVariable) and
            not isinstance(variable, Constant))


def is_shared_variable(variable):
    """Check if a variable is an Aesara shared variable.

    Shared variables holding the state of random number generators are
    excluded.

    """
    return (isinstance(variable, SharedVariable) and
            not isinstance(variable.get_value(borrow=True),
                           (numpy.random.RandomState,
                            numpy.random.Generator)))


def put_hook(variable, hook_fn, *args):
    r"""Put a hook on an Aesara variable.

    Ensures that ``hook_fn`` is called with the variable's value every time
    that value is computed.

    Parameters
    ----------
    variable : :class:`~aesara.tensor.TensorVariable`
        The variable to put a hook on.
    hook_fn : function
        Called as ``hook_fn(value, *args)``.
    \*args
        Further arguments for ``hook_fn``.

    Returns
    -------
    :class:`~aesara.tensor.TensorVariable`
        The variable with the hook attached; use it in place of the
        original.

    """
    return aesara.printing.Print(global_fn=_HookCaller(hook_fn, args))(
        variable)


class _HookCaller:
    """Adapts a user hook to Aesara's ``Print`` callback signature."""
    def __init__(self, hook_fn, args):
        self.hook_fn = hook_fn
        self.args = args

    def __call__(self, print_op, value):
        return self.hook_fn(value, *self.args)
