"""Routing bricks: apply copies of a prototype to several variables.

:class:`Parallel` transforms several inputs, each with its own copy of a
prototype brick; :class:`Fork` transforms one input into several outputs;
:class:`Distribute` adds transformations of one variable to several others;
:class:`Merge` sums transformations of several inputs. The dimensions given
to these bricks are pushed to the copies before allocation.

"""
import copy

from blocks.bricks.base import NoneAllocation, application, lazy
from blocks.bricks.interfaces import Feedforward, Initializable
from blocks.bricks.simple import Linear


def _check_names(owner, argument, names):
    if isinstance(names, str):
        raise TypeError("{}: {} must be a list of names, got the string {!r}"
                        .format(owner, argument, names))
    names = list(names)
    if not names or not all(isinstance(name, str) for name in names):
        raise TypeError("{}: {} must be a non-empty list of names (str), got "
                        "{!r}".format(owner, argument, names))
    if len(set(names)) != len(names):
        raise ValueError("{}: {} has duplicates: {}".format(
            owner, argument, names))
    return names


def _check_dims(brick, argument, dims, names):
    if len(dims) != len(names):
        raise ValueError("{}: {} must have one dimension per name ({} "
                         "names: {}), got {!r}".format(
                             brick.path_or_name(), argument, len(names),
                             names, list(dims)))


class Parallel(Initializable):
    """Apply similar transformations to several inputs.

    Given a prototype brick, a :class:`Parallel` brick makes one copy of it
    per input (each with its own parameters). At application time every
    copy transforms its input.

    Parameters
    ----------
    input_names : list of str
        The input names.
    input_dims : list of int
        The input dimensions, in the order of `input_names`. Required by
        :meth:`allocate`.
    output_dims : list of int
        The output dimensions, in the same order. Required by
        :meth:`allocate`.
    prototype : :class:`~blocks.bricks.Feedforward`
        The transformation prototype; a copy is made for every input and
        gets ``input_dim`` and ``output_dim`` before allocation.
    child_prefix : str, optional
        The prefix of the copies' names (``transform`` by default); the
        copy for input ``x`` is called ``<child_prefix>_x``.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> x, y = tensor.matrix('x'), tensor.matrix('y')
    >>> parallel = Parallel(
    ...     prototype=Linear(use_bias=False),
    ...     input_names=['x', 'y'], input_dims=[2, 3], output_dims=[4, 5],
    ...     weights_init=Constant(2))
    >>> parallel.initialize()
    >>> new_x, new_y = parallel.apply(x=x, y=y)
    >>> new_x.eval({x: [[1, 1]]})
    array([[4., 4., 4., 4.]])
    >>> new_y.eval({y: [[1, 1, 1]]})
    array([[6., 6., 6., 6., 6.]])

    """
    @lazy(allocation=['input_dims', 'output_dims'])
    def __init__(self, input_names, input_dims, output_dims, prototype,
                 child_prefix=None, **kwargs):
        owner = kwargs.get('name', type(self).__name__.lower())
        if not isinstance(prototype, Feedforward):
            raise TypeError("/{}: prototype must be a Feedforward brick "
                            "(e.g. Linear()), got {!r}".format(owner,
                                                               prototype))
        if child_prefix is None:
            child_prefix = 'transform'
        super().__init__(**kwargs)
        self.input_names = _check_names(self.path_or_name(), 'input_names',
                                        input_names)
        self.input_dims = input_dims
        self.output_dims = output_dims
        self.prototype = prototype
        self.child_prefix = child_prefix
        children = []
        for name in self.input_names:
            child = copy.deepcopy(prototype)
            child.name = '{}_{}'.format(child_prefix, name)
            children.append(child)
        self.children = children

    def _push_allocation_config(self):
        # Report what is missing now: a push that configured no children
        # would not be repeated.
        self._check_config('allocation', NoneAllocation)
        _check_dims(self, 'input_dims', self.input_dims, self.input_names)
        _check_dims(self, 'output_dims', self.output_dims, self.input_names)
        for input_dim, output_dim, child in zip(
                self.input_dims, self.output_dims, self.children):
            child.input_dim = input_dim
            child.output_dim = output_dim

    @application
    def apply(self, *args, **kwargs):
        """Transform each input with its own copy of the prototype.

        Parameters
        ----------
        \\*args, \\*\\*kwargs
            The inputs, positionally in the order of ``input_names`` or by
            name.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The transformed inputs, in the order of ``input_names``.

        """
        inputs = _gather(self, self.input_names, args, kwargs)
        return [child.apply(inputs[name])
                for name, child in zip(self.input_names, self.children)]

    @apply.property('inputs')
    def apply_inputs(self):
        return self.input_names

    @apply.property('outputs')
    def apply_outputs(self):
        return self.input_names


def _gather(brick, names, args, kwargs):
    """Map positional and keyword arguments to `names`; all required."""
    if len(args) > len(names):
        raise TypeError("{}.apply: takes {} inputs ({}), got {} positional "
                        "arguments".format(brick.path_or_name(), len(names),
                                           names, len(args)))
    inputs = dict(zip(names, args))
    for name, value in kwargs.items():
        if name not in names:
            raise TypeError("{}.apply: unexpected input {!r}; the inputs "
                            "are {}".format(brick.path_or_name(), name,
                                            names))
        if name in inputs:
            raise TypeError("{}.apply: input {!r} given twice".format(
                brick.path_or_name(), name))
        inputs[name] = value
    missing = [name for name in names if name not in inputs]
    if missing:
        raise TypeError("{}.apply: missing inputs {}; the inputs are {}"
                        .format(brick.path_or_name(), missing, names))
    return inputs


class Fork(Parallel):
    """Several outputs from one input by applying similar transformations.

    Given a prototype brick, a :class:`Fork` makes one copy of it per
    output (each with its own parameters); at application time every copy
    is applied to the input. A typical use is to compute the inputs of the
    gates of gated recurrent bricks such as
    :class:`~blocks.bricks.recurrent.GatedRecurrent`.

    Parameters
    ----------
    output_names : list of str
        The names of the outputs to produce.
    input_dim : int
        The input dimension. Required by :meth:`allocate`.
    output_dims : list of int
        The output dimensions, in the order of `output_names`. Required by
        :meth:`allocate`.
    prototype : :class:`~blocks.bricks.Feedforward`, optional
        The transformation prototype; an affine transformation
        (:class:`~blocks.bricks.Linear`) by default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> x = tensor.matrix('x')
    >>> fork = Fork(output_names=['y', 'z'],
    ...             input_dim=2, output_dims=[3, 4],
    ...             weights_init=Constant(2), biases_init=Constant(1))
    >>> fork.initialize()
    >>> y, z = fork.apply(x)
    >>> y.eval({x: [[1, 1]]})
    array([[5., 5., 5.]])
    >>> z.eval({x: [[1, 1]]})
    array([[5., 5., 5., 5.]])

    """
    @lazy(allocation=['input_dim', 'output_dims'])
    def __init__(self, output_names, input_dim, output_dims=None,
                 prototype=None, **kwargs):
        if prototype is None:
            prototype = Linear()
        self.output_names = _check_names(
            '/' + kwargs.get('name', type(self).__name__.lower()),
            'output_names', output_names)
        self.input_dim = input_dim
        super().__init__(input_names=self.output_names,
                         input_dims=None, output_dims=output_dims,
                         prototype=prototype, **kwargs)

    def _push_allocation_config(self):
        if self.input_dim:
            self.input_dims = [self.input_dim for _ in self.output_names]
        super()._push_allocation_config()

    @application(inputs=['input_'])
    def apply(self, input_):
        """Apply every copy of the prototype to the input.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            One output per name in ``output_names``.

        """
        return [child.apply(input_) for child in self.children]

    @apply.property('outputs')
    def apply_outputs(self):
        return self.output_names

    def get_dim(self, name):
        if name == 'input_':
            return self.input_dim
        if name in self.output_names and self.output_dims:
            return self.output_dims[self.output_names.index(name)]
        return super().get_dim(name)


class Distribute(Fork):
    """Transform an input and add it to other inputs.

    This brick is designed for the following scenario: one has a group of
    variables (the *targets*) and another separate variable (the
    *source*), and one needs to distribute information from the latter
    across the former. One copy of the prototype per target transforms the
    source; the results are added to the targets.

    Parameters
    ----------
    target_names : list of str
        The names of the targets.
    source_name : str
        The name of the source.
    target_dims : list of int
        The target dimensions, in the order of `target_names`. Required by
        :meth:`allocate`.
    source_dim : int
        The dimension of the source. Required by :meth:`allocate`.
    prototype : :class:`~blocks.bricks.Feedforward`, optional
        The transformation prototype; a linear transformation without bias
        by default.

    Notes
    -----
    See :class:`~blocks.bricks.Initializable` for initialization
    parameters.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> x = tensor.matrix('x')
    >>> y = tensor.matrix('y')
    >>> z = tensor.matrix('z')
    >>> distribute = Distribute(target_names=['x', 'y'], source_name='z',
    ...                         target_dims=[2, 3], source_dim=3,
    ...                         weights_init=Constant(2))
    >>> distribute.initialize()
    >>> new_x, new_y = distribute.apply(x=x, y=y, z=z)
    >>> new_x.eval({x: [[2, 2]], z: [[1, 1, 1]]})
    array([[8., 8.]])
    >>> new_y.eval({y: [[1, 1, 1]], z: [[1, 1, 1]]})
    array([[7., 7., 7.]])

    """
    @lazy(allocation=['target_dims', 'source_dim'])
    def __init__(self, target_names, source_name, target_dims, source_dim,
                 prototype=None, **kwargs):
        if prototype is None:
            prototype = Linear(use_bias=False)
        super().__init__(output_names=target_names, input_dim=source_dim,
                         output_dims=target_dims, prototype=prototype,
                         **kwargs)
        if source_name in self.output_names:
            raise ValueError("{}: source_name {!r} is also a target name "
                             "({})".format(self.path_or_name(), source_name,
                                           self.output_names))
        self.target_names = self.output_names
        self.source_name = source_name

    @property
    def target_dims(self):
        return self.output_dims

    @target_dims.setter
    def target_dims(self, value):
        self.output_dims = value

    @property
    def source_dim(self):
        return self.input_dim

    @source_dim.setter
    def source_dim(self, value):
        self.input_dim = value

    @application
    def apply(self, **kwargs):
        """Distribute the source across the targets.

        Parameters
        ----------
        \\*\\*kwargs
            The source and the target variables, by name.

        Returns
        -------
        list of :class:`~aesara.tensor.TensorVariable`
            The new target variables, in the order of ``target_names``.

        """
        inputs = _gather(self, self.target_names + [self.source_name], (),
                         kwargs)
        transformed = [child.apply(inputs[self.source_name])
                       for child in self.children]
        return [inputs[name] + value
                for name, value in zip(self.target_names, transformed)]

    @apply.property('inputs')
    def apply_inputs(self):
        return self.target_names + [self.source_name]

    @apply.property('outputs')
    def apply_outputs(self):
        return self.target_names

    def get_dim(self, name):
        if name == self.source_name:
            return self.source_dim
        return super().get_dim(name)


class Merge(Parallel):
    """Merges several variables by applying a transformation and summing.

    Parameters
    ----------
    input_names : list of str
        The input names.
    input_dims : list of int
        The input dimensions, in the order of `input_names`. Required by
        :meth:`allocate`.
    output_dim : int
        The output dimension of the merged variables. Required by
        :meth:`allocate`.
    prototype : :class:`~blocks.bricks.Feedforward`, optional
        A transformation prototype; a copy is made for every input. A
        linear transformation without bias by default.
    child_prefix : str, optional
        A prefix for the children's names, ``transform`` by default.

    Notes
    -----
    To have a bias, rather than a prototype with biases (which would give
    several redundant ones) set ``merge.children[0].use_bias = True``.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import Constant
    >>> a = tensor.matrix('a')
    >>> b = tensor.matrix('b')
    >>> merge = Merge(input_names=['a', 'b'], input_dims=[3, 4],
    ...               output_dim=2, weights_init=Constant(1.))
    >>> merge.initialize()
    >>> c = merge.apply(a=a, b=b)
    >>> c.eval({a: [[1, 1, 1]], b: [[2, 2, 2, 2]]})
    array([[11., 11.]])

    """
    @lazy(allocation=['input_dims', 'output_dim'])
    def __init__(self, input_names, input_dims, output_dim, prototype=None,
                 **kwargs):
        if prototype is None:
            prototype = Linear(use_bias=False)
        self.output_dim = output_dim
        super().__init__(input_names=input_names, input_dims=input_dims,
                         output_dims=None, prototype=prototype, **kwargs)

    def _push_allocation_config(self):
        if self.output_dim:
            self.output_dims = [self.output_dim for _ in self.input_names]
        super()._push_allocation_config()

    @application(outputs=['output'])
    def apply(self, *args, **kwargs):
        """Transform every input and sum the results.

        Parameters
        ----------
        \\*args, \\*\\*kwargs
            The inputs, positionally in the order of ``input_names`` or by
            name.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`

        """
        inputs = _gather(self, self.input_names, args, kwargs)
        outputs = [child.apply(inputs[name])
                   for name, child in zip(self.input_names, self.children)]
        total = outputs[0]
        for output in outputs[1:]:
            total = total + output
        return total

    @apply.property('inputs')
    def apply_inputs(self):
        return self.input_names

    def get_dim(self, name):
        if name == 'output':
            return self.output_dim
        if name in self.input_names and self.input_dims:
            return self.input_dims[self.input_names.index(name)]
        return super().get_dim(name)
