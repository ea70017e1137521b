"""Wrappers that extend the application methods of a brick class."""
from aesara.graph.basic import Variable

from blocks.bricks.base import Application, rename_function
from blocks.utils import pack, unpack

_wrapped_application_doc = """{}

Wraps the application method ``{}`` of {} with reshapes.

Parameters
----------
extra_ndim : int, optional
    The number of extra leading dimensions of the inputs and outputs.
    Defaults to zero.

"""


class BrickWrapper:
    """Base class for wrapper metaclass helpers.

    Sometimes one wants to extend a brick with the capability to handle
    inputs different from what it was designed to handle, such as inputs
    with more dimensions. A :class:`BrickWrapper` wraps all application
    methods of the base brick classes with extra logic.

    Since a decorator applied to a brick class would run after the class is
    created (too late to add applications), wrappers are listed in the
    ``decorators`` attribute of the new brick class:

    >>> from blocks.bricks import Softmax
    >>> class WrappedSoftmax(Softmax):
    ...     decorators = [WithExtraDims()]

    """
    def __call__(self, mcs, name, bases, namespace):
        seen = set(namespace)
        for base in bases:
            for cls in base.__mro__:
                for attribute, value in list(vars(cls).items()):
                    if isinstance(value, Application) and \
                            attribute not in seen:
                        seen.add(attribute)
                        self.wrap(value, namespace)

    def wrap(self, wrapped, namespace):
        """Wrap an application of the base brick.

        Subclasses override this to write into ``namespace`` the wrapped
        application.

        Parameters
        ----------
        wrapped : :class:`~blocks.bricks.base.Application`
            The application to be wrapped.
        namespace : dict
            The namespace of the class being created.

        """
        raise NotImplementedError


class WithExtraDims(BrickWrapper):
    """Wraps a brick's applications to handle inputs with extra dimensions.

    The wrapped applications take an extra keyword argument ``extra_ndim``.
    The first ``extra_ndim + 1`` axes of every input are merged into one
    before the original application runs, and split again in the outputs.
    All inputs and outputs are assumed to share the same extra leading
    dimensions.

    """
    def wrap(self, wrapped, namespace):
        name = wrapped.application_name
        apply = _ExtraDimsApplication(wrapped)
        apply.__doc__ = _wrapped_application_doc.format(
            (wrapped.__doc__ or '').strip().split('\n')[0], name,
            wrapped.brick.__name__ if wrapped.brick else 'the base brick')
        for attribute in ('inputs', 'outputs'):
            if attribute in wrapped.__dict__ or \
                    '_' + attribute in wrapped.__dict__:
                try:
                    setattr(apply, attribute,
                            list(getattr(wrapped, attribute)))
                except (AttributeError, ValueError):
                    pass
        delegate_name = name + '_delegate'
        namespace[name] = apply

        def delegate(self):
            return wrapped.__get__(self, type(self))
        namespace[delegate_name] = rename_function(delegate, delegate_name)
        apply.delegate_function = delegate_name


class _ExtraDimsApplication(Application):
    """An application that reshapes its inputs and outputs around a wrapped
    application, merging ``extra_ndim`` leading axes."""
    def __init__(self, wrapped):
        self.wrapped = wrapped
        super().__init__(wrapped.application_function)
        self._accepts_application_call = False
        self._accepts_application = False

    def bind_arguments(self, brick, args, kwargs):
        kwargs = dict(kwargs)
        extra_ndim = kwargs.pop('extra_ndim', 0)
        arguments = self.wrapped.bind_arguments(brick, args, kwargs)
        arguments['extra_ndim'] = extra_ndim
        return arguments

    def call(self, brick, arguments):
        arguments = dict(arguments)
        extra_ndim = arguments.pop('extra_ndim')
        if extra_ndim < 0 or int(extra_ndim) != extra_ndim:
            raise ValueError("{}.{}: extra_ndim must be a non-negative "
                             "integer, got {!r}".format(
                                 brick.path_or_name(), self.application_name,
                                 extra_ndim))
        wrapped = self.wrapped.__get__(brick, type(brick))
        if extra_ndim == 0:
            return wrapped(**arguments)
        leading_shape = None
        reshaped = {}
        for name, value in arguments.items():
            if isinstance(value, Variable) and hasattr(value, 'ndim'):
                if value.ndim <= extra_ndim:
                    raise ValueError(
                        "{}.{}: argument {!r} has {} dimension(s), but "
                        "extra_ndim={} needs more".format(
                            brick.path_or_name(), self.application_name,
                            name, value.ndim, extra_ndim))
                if leading_shape is None:
                    leading_shape = [value.shape[axis]
                                     for axis in range(extra_ndim + 1)]
                new_shape = [-1] + [value.shape[axis] for axis in
                                    range(extra_ndim + 1, value.ndim)]
                value = value.reshape(new_shape, ndim=value.ndim - extra_ndim)
            reshaped[name] = value
        outputs = wrapped(**reshaped)
        return_list = isinstance(outputs, (list, tuple))
        results = []
        for output in pack(outputs):
            new_shape = leading_shape + [output.shape[axis]
                                         for axis in range(1, output.ndim)]
            results.append(output.reshape(new_shape,
                                          ndim=output.ndim + extra_ndim))
        return results if return_list else unpack(results)
