"""Frequently used Aesara expressions.

>>> import numpy
>>> print(l2_norm([numpy.array([3.]), numpy.array([[4.]])]).eval())
5.0

"""
import numpy
import aesara
from aesara import tensor
from aesara.graph.basic import Apply, Variable
from aesara.graph.op import Op


def l2_norm(tensors, squared: bool = False):
    """Computes the total L2 norm of a set of tensors.

    Converts all operands to :class:`~aesara.tensor.var.TensorVariable`
    (see :func:`~aesara.tensor.as_tensor_variable`), flattens them and joins
    them into one vector, whose norm is computed by a single reduction.

    Parameters
    ----------
    tensors : iterable of TensorVariable (or compatible)
        The tensors. A single tensor (a variable or a NumPy array) is
        treated as a set of one.
    squared : bool, optional
        If True, return the squared L2 norm, which saves a square root when
        it is what is needed. False by default.

    Returns
    -------
    :class:`~aesara.tensor.var.TensorVariable`
        A scalar: :math:`\\sqrt{\\sum_i \\sum_j t_{ij}^2}` for tensors
        :math:`t_i` with elements :math:`t_{ij}`.

    Raises
    ------
    ValueError
        If `tensors` is empty.

    Examples
    --------
    >>> from aesara import tensor
    >>> weights = tensor.matrix('weights')
    >>> biases = tensor.vector('biases')
    >>> norm = l2_norm([weights, biases])
    >>> print(norm.eval({weights: [[1., 2.], [2., 0.]], biases: [4.]}))
    5.0

    """
    if isinstance(tensors, (Variable, numpy.ndarray)):
        tensors = [tensors]
    flattened = [tensor.as_tensor_variable(operand).flatten()
                 for operand in tensors]
    if not flattened:
        raise ValueError("l2_norm: tensors must contain at least one tensor, "
                         "got an empty collection")
    if len(flattened) == 1:
        joined = flattened[0]
    else:
        joined = tensor.join(0, *flattened)
    summed = tensor.square(joined).sum()
    if squared:
        return summed
    return tensor.sqrt(summed)


def hessian_times_vector(gradient, parameter, vector, r_op: bool = False):
    """Return an expression for the Hessian times a vector.

    Parameters
    ----------
    gradient : :class:`~aesara.tensor.var.TensorVariable`
        The gradient of a cost with respect to `parameter`
    parameter : :class:`~aesara.tensor.var.TensorVariable`
        The parameter with respect to which to take the gradient
    vector : :class:`~aesara.tensor.var.TensorVariable`
        The vector with which to multiply the Hessian; it has the shape of
        `parameter`.
    r_op : bool, optional
        Whether to use :func:`~aesara.gradient.Rop` or not. Defaults to
        False, in which case the product is the gradient of
        :math:`g^\\top v` with respect to the parameter (computed by
        :func:`~aesara.gradient.Lop`), which equals :math:`H v` because the
        Hessian is symmetric. Which solution is fastest normally needs to
        be determined by profiling.

    Returns
    -------
    :class:`~aesara.tensor.var.TensorVariable`
        :math:`H v`, with the shape of `parameter`.

    Raises
    ------
    TypeError
        If `gradient` or `parameter` is not an Aesara variable.
    ValueError
        If the number of dimensions of `gradient` or `vector` differs from
        that of `parameter`.

    Examples
    --------
    The Hessian of :math:`\\frac{1}{2} x^\\top A x` is :math:`A` for a
    symmetric matrix :math:`A`:

    >>> from aesara import tensor
    >>> x = tensor.vector('x')
    >>> v = tensor.vector('v')
    >>> a = tensor.constant([[2., 1.], [1., 3.]])
    >>> cost = 0.5 * x.dot(a).dot(x)
    >>> product = hessian_times_vector(aesara.grad(cost, x), x, v)
    >>> print(product.eval({x: [5., 7.], v: [1., 0.]}))
    [2. 1.]

    """
    for name, variable in [('gradient', gradient), ('parameter', parameter)]:
        if not isinstance(variable, Variable):
            raise TypeError("hessian_times_vector: {} must be an Aesara "
                            "variable, got {!r}".format(name, variable))
    vector = tensor.as_tensor_variable(vector)
    for name, variable in [('gradient', gradient), ('vector', vector)]:
        if variable.ndim != parameter.ndim:
            raise ValueError("hessian_times_vector: {} has {} dimensions, "
                             "expected {} like parameter {}"
                             .format(name, variable.ndim, parameter.ndim,
                                     parameter))
    if r_op:
        return aesara.gradient.Rop(gradient, parameter, vector)
    return aesara.gradient.Lop(gradient, parameter, vector)


class PickPerRow(Op):
    """``matrix[arange(len(indices)), indices]``: one element per row.

    Aesara 2.9.4 builds this indexing from ``ARange`` and advanced
    indexing, which its JAX backend cannot run when the number of rows is
    only known at run time; this Op runs in every mode (NumPy here, a
    gather under JAX, see :mod:`blocks.jax_ops`).

    """
    __props__ = ()

    def make_node(self, matrix, indices):
        matrix = tensor.as_tensor_variable(matrix)
        indices = tensor.as_tensor_variable(indices)
        if matrix.ndim != 2 or indices.ndim != 1 or \
                numpy.dtype(indices.dtype).kind not in 'iu':
            raise TypeError("PickPerRow: expected a matrix and an integer "
                            "vector, got {} and {}".format(matrix.type,
                                                           indices.type))
        output = tensor.TensorType(matrix.dtype, shape=(None,))()
        return Apply(self, [matrix, indices], [output])

    def perform(self, node, inputs, output_storage):
        matrix, indices = inputs
        if len(indices) != len(matrix):
            raise ValueError("PickPerRow: {} indices for a matrix of {} "
                             "rows".format(len(indices), len(matrix)))
        output_storage[0][0] = matrix[numpy.arange(len(indices)), indices]

    def infer_shape(self, fgraph, node, input_shapes):
        return [(input_shapes[1][0],)]

    def grad(self, inputs, output_gradients):
        """Zeros but at the picked elements; none for the indices."""
        matrix, indices = inputs
        return [PickPerRowGrad()(matrix, indices, output_gradients[0]),
                aesara.gradient.DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]


class PickPerRowGrad(Op):
    """The gradient of :class:`PickPerRow`: zeros but at the picked places.

    """
    __props__ = ()

    def make_node(self, matrix, indices, gradient):
        matrix = tensor.as_tensor_variable(matrix)
        indices = tensor.as_tensor_variable(indices)
        gradient = tensor.as_tensor_variable(gradient)
        return Apply(self, [matrix, indices, gradient], [matrix.type()])

    def perform(self, node, inputs, output_storage):
        matrix, indices, gradient = inputs
        result = numpy.zeros_like(matrix)
        result[numpy.arange(len(indices)), indices] = gradient
        output_storage[0][0] = result

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def connection_pattern(self, node):
        return [[False], [False], [True]]

    def grad(self, inputs, output_gradients):
        """The gradient's own gradient: picks from the output gradient."""
        matrix, indices, _ = inputs
        return [aesara.gradient.DisconnectedType()(),
                aesara.gradient.DisconnectedType()(),
                PickPerRow()(output_gradients[0], indices)]


def pick_per_row(matrix, indices):
    """The element of each row of a matrix at a column given per row.

    ``pick_per_row(m, i)[r]`` is ``m[r, i[r]]``, as
    ``m[arange(m.shape[0]), i]`` would give, with the same gradient, but
    through a :class:`PickPerRow` Op that every backend runs (Aesara
    2.9.4's JAX backend converts ``arange`` only for constant bounds).

    Parameters
    ----------
    matrix : TensorVariable
        A matrix.
    indices : TensorVariable
        An integer vector, one column index per row of `matrix`.

    Returns
    -------
    TensorVariable
        A vector of the dtype of `matrix`.

    Examples
    --------
    >>> from aesara import tensor
    >>> m, i = tensor.matrix('m'), tensor.lvector('i')
    >>> pick_per_row(m, i).eval({m: [[1., 2.], [3., 4.]], i: [1, 0]})
    array([2., 3.])

    """
    return PickPerRow()(matrix, indices)
