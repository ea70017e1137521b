"""Lookup tables: learned representations of integers (embeddings)."""
from blocks.bricks.base import application, lazy
from blocks.bricks.interfaces import Feedforward, Initializable, check_input
from blocks.roles import WEIGHT, add_role
from blocks.utils import shared_floatx_nans


class LookupTable(Initializable, Feedforward):
    """Encapsulates representations of a range of integers.

    Parameters
    ----------
    length : int
        The size of the lookup table, i.e. the number of integers
        represented (``0 .. length - 1``).
    dim : int
        The dimensionality of the representations.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization parameters.
    The table ``W`` has shape ``(length, dim)`` and the WEIGHT role.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> table = LookupTable(length=4, dim=2, weights_init=Constant(3))
    >>> table.initialize()
    >>> indices = tensor.lmatrix('indices')
    >>> table.apply(indices).eval({indices: [[0, 3]]}).shape
    (1, 2, 2)

    """
    has_bias = False
    has_biases = False

    @lazy(allocation=['length', 'dim'])
    def __init__(self, length, dim, **kwargs):
        super().__init__(**kwargs)
        self.length = length
        self.dim = dim

    @property
    def W(self):
        return self.parameters[0]

    def _allocate(self):
        W = shared_floatx_nans((self.length, self.dim), name='W')
        add_role(W, WEIGHT)
        self.parameters.append(W)

    def _initialize(self):
        self._require_init('weights_init').initialize(self.W, self.rng)

    @application(inputs=['indices'], outputs=['output'])
    def apply(self, indices):
        """Perform lookup.

        Parameters
        ----------
        indices : :class:`~aesara.tensor.TensorVariable`
            The indices of interest. The dtype must be integer.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            Representations for the indices of the query. Has :math:`k+1`
            dimensions, where :math:`k` is the number of dimensions of the
            ``indices`` parameter. The last dimension stands for the
            representation element.

        """
        check_input(self, 'indices', indices, dtype_kinds='iu')
        output_shape = [indices.shape[i]
                        for i in range(indices.ndim)] + [self.dim]
        return self.W[indices.flatten()].reshape(output_shape,
                                                 ndim=indices.ndim + 1)

    def get_dim(self, name):
        if name == 'output':
            return self.dim
        if name == 'indices':
            return 0
        return super().get_dim(name)

    @property
    def input_dim(self):
        return 0

    @input_dim.setter
    def input_dim(self, dim):
        if dim != 0:
            raise ValueError("{}: the input of a LookupTable holds indices "
                             "(input_dim 0), got input_dim={!r}".format(
                                 self.path_or_name(), dim))

    @property
    def output_dim(self):
        return self.dim

    @output_dim.setter
    def output_dim(self, dim):
        self.dim = dim
