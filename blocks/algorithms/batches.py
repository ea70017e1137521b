"""Matching batches of data to the input variables of a training function.

A batch is a dictionary mapping data source names (``'features'``,
``'targets'``) to arrays. Each input variable of the training graph is fed
from the source with the same name; these helpers find, check and convert
those arrays before the compiled function sees them, so that mistakes are
reported in terms of sources and variables rather than as an error deep
inside Aesara.

"""
import numpy

__all__ = ['match_sources', 'convert_source', 'describe_batch',
           'check_not_empty', 'describe_nonfinite_sources']

ON_UNUSED_SOURCES = ('raise', 'warn', 'ignore')

missing_sources_error = """\
{owner}: the batch does not provide the sources {missing} required by the \
input variables of the same names. Sources provided: {sources}; inputs of \
the training graph: {inputs}. Every input variable is fed from the data \
source that has its name: rename the variables (e.g. \
`tensor.matrix('features')`) or the sources of the data stream so that \
they match."""

unused_sources_error = """\
{owner}: the batch sources {unused} are not used by any input variable. \
Sources provided: {sources}; inputs of the training graph: {inputs}. \
Variables are matched to sources by name. To train on a subset of the \
sources of a dataset, pass `sources` to its constructor, use the \
FilterSources transformer, or pass on_unused_sources='warn' or \
on_unused_sources='ignore' to the training algorithm."""

mismatch_error = """\
{owner}: the batch source {source!r} (shape {shape}, dtype {dtype}) does \
not fit the input variable {variable} (expected ndim {ndim}, dtype \
{expected_dtype}, static shape {static_shape}): {problem}."""

empty_batch_error = """\
{owner}: the batch is empty: the source {source!r} holds 0 examples \
(shape {shape}). The cost of no examples is NaN (a mean over nothing). \
Check the data stream: its iteration scheme (batch sizes, number of \
examples) and the transformers that filter examples out."""


def match_sources(owner: str, inputs, batch, on_unused_sources: str):
    """Select the arrays of a batch that feed given input variables.

    Parameters
    ----------
    owner : str
        The name of the training algorithm, for messages.
    inputs : list of :class:`~aesara.graph.basic.Variable`
        The input variables, whose names are source names.
    batch : dict
        Maps source names to arrays.
    on_unused_sources : {'raise', 'warn', 'ignore'}
        What to do about sources no input uses; 'warn' is left to the
        caller, who gets the unused sources back.

    Returns
    -------
    values : list
        The arrays, in the order of `inputs` (not yet converted).
    unused : list of str
        The names of the sources no input uses.

    Raises
    ------
    ValueError
        If a source is missing, or if a source is unused and
        `on_unused_sources` is 'raise'.

    Examples
    --------
    >>> from aesara import tensor
    >>> x = tensor.vector('x')
    >>> values, unused = match_sources('GradientDescent', [x],
    ...                                {'x': [1.], 'y': [2.]}, 'ignore')
    >>> values, unused
    ([[1.0]], ['y'])
    >>> match_sources('GradientDescent', [x], {'y': [2.]}, 'ignore')
    Traceback (most recent call last):
      ...
    ValueError: GradientDescent: the batch does not provide ... ['x'] ...

    """
    names = [variable.name for variable in inputs]
    sources = list(batch)
    missing = [name for name in names if name not in batch]
    if missing:
        raise ValueError(missing_sources_error.format(
            owner=owner, missing=missing, sources=sources, inputs=names))
    unused = [source for source in sources if source not in names]
    if unused and on_unused_sources == 'raise':
        raise ValueError(unused_sources_error.format(
            owner=owner, unused=unused, sources=sources, inputs=names))
    return [batch[name] for name in names], unused


def convert_source(owner: str, source: str, value, variable):
    """Convert the data of a source to the type of its input variable.

    The number of dimensions and the known static dimensions must match.
    The data is cast to the dtype of the variable when no information can
    be lost (e.g. ``int32`` to ``int64``), and also, as users expect, from
    any float or integer dtype to a float one (``float64`` data for a
    ``float32`` variable), and between integer dtypes when the values fit.

    Parameters
    ----------
    owner : str
        The name of the training algorithm, for messages.
    source : str
        The name of the source.
    value : array_like
        The data.
    variable : :class:`~aesara.tensor.TensorVariable`
        The input variable the data feeds.

    Returns
    -------
    :class:`numpy.ndarray`

    Raises
    ------
    TypeError
        If the dtype of the data can't be cast safely to that of the
        variable (e.g. float data for an integer variable).
    ValueError
        If the number of dimensions or the shape does not fit.

    Examples
    --------
    >>> from aesara import tensor
    >>> labels = tensor.lvector('labels')
    >>> convert_source('GradientDescent', 'labels', [1.5], labels)
    Traceback (most recent call last):
      ...
    TypeError: GradientDescent: the batch source 'labels' (shape (1,), ...
    ... dtype int64, static shape (None,)): dtype float64 can't be cast ...

    """
    variable_type = variable.type
    if not hasattr(variable_type, 'ndim') or \
            not hasattr(variable_type, 'dtype'):
        return value
    array = numpy.asarray(value)
    target = numpy.dtype(variable_type.dtype)
    static_shape = tuple(getattr(variable_type, 'shape',
                                 (None,) * variable_type.ndim))

    def fail(error_class, problem):
        raise error_class(mismatch_error.format(
            owner=owner, source=source, shape=array.shape, dtype=array.dtype,
            variable=variable, ndim=variable_type.ndim,
            expected_dtype=target, static_shape=static_shape,
            problem=problem))

    if array.ndim != variable_type.ndim:
        fail(ValueError, "it has {} dimensions".format(array.ndim))
    wrong_axes = [axis for axis, (expected, actual)
                  in enumerate(zip(static_shape, array.shape))
                  if expected is not None and expected != actual]
    if wrong_axes:
        fail(ValueError, "its length along axes {} differs".format(
            wrong_axes))
    if array.dtype == target:
        return array
    if not _can_cast(array, target):
        fail(TypeError, "dtype {} can't be cast safely to {}".format(
            array.dtype, target))
    return array.astype(target)


def _can_cast(array, target):
    if numpy.can_cast(array.dtype, target, 'safe'):
        return True
    if target.kind == 'f':
        return array.dtype.kind in 'biuf'
    if target.kind in 'iu' and array.dtype.kind in 'biu':
        if array.size == 0:
            return True
        limits = numpy.iinfo(target)
        return bool(array.min() >= limits.min and array.max() <= limits.max)
    return False


def describe_batch(batch) -> str:
    """Describe the shapes and dtypes of a batch, for error messages.

    Examples
    --------
    >>> import numpy
    >>> describe_batch({'x': numpy.zeros((2, 3), dtype='float32')})
    "'x' (shape (2, 3), dtype float32)"

    """
    descriptions = []
    for source, value in batch.items():
        array = numpy.asarray(value)
        descriptions.append("{!r} (shape {}, dtype {})".format(
            source, array.shape, array.dtype))
    return ', '.join(descriptions)


def check_not_empty(owner: str, sources, arrays) -> None:
    """Refuse a batch whose arrays hold no examples.

    Parameters
    ----------
    owner : str
        The name of the training algorithm, for messages.
    sources : list of str
        The names of the sources.
    arrays : list of :class:`numpy.ndarray`
        Their data; the first axis of each runs over the examples.

    Raises
    ------
    ValueError
        Naming the first source whose first axis has length 0.

    Examples
    --------
    >>> import numpy
    >>> check_not_empty('GradientDescent', ['features'],
    ...                 [numpy.zeros((0, 3))])
    Traceback (most recent call last):
      ...
    ValueError: GradientDescent: the batch is empty: the source 'features' \
holds 0 examples (shape (0, 3)). ...

    """
    for source, array in zip(sources, arrays):
        if array.ndim and array.shape[0] == 0:
            raise ValueError(empty_batch_error.format(
                owner=owner, source=source, shape=array.shape))


def describe_nonfinite_sources(batch) -> list:
    """Describe the sources of a batch that hold NaN or infinite values.

    It looks at every value of every floating-point source, so it is
    meant for diagnosing a non-finite cost, not for every batch.

    Returns
    -------
    list of str
        E.g. ``["'features' (1 NaN and 0 infinite of 6 values)"]``, in the
        order of the batch; empty if every value is finite.

    Examples
    --------
    >>> import numpy
    >>> describe_nonfinite_sources({
    ...     'features': numpy.array([[1., numpy.nan], [numpy.inf, 2.]]),
    ...     'targets': numpy.array([0, 1])})
    ["'features' (1 NaN and 1 infinite of 4 values)"]

    """
    descriptions = []
    for source, value in batch.items():
        array = numpy.asarray(value)
        if array.dtype.kind not in 'fc':
            continue
        nans = int(numpy.isnan(array).sum())
        infinities = int(numpy.isinf(array).sum())
        if nans or infinities:
            descriptions.append("{!r} ({} NaN and {} infinite of {} values)"
                                .format(source, nans, infinities, array.size))
    return descriptions
