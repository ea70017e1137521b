"""The brick machinery: bricks, application methods and lazy configuration.

This module is the only place in Blocks with metaprogramming. A brick class
declares *application methods* with the :func:`application` decorator; the
metaclass :class:`_Brick` binds them to the class, and accessing one on a
brick instance yields a :class:`BoundApplication`. Calling it runs
:meth:`Application.apply`, which allocates the brick if needed, copies and
tags the inputs and outputs (roles, annotations, names) and records an
:class:`ApplicationCall` that can carry auxiliary variables and updates.

Every application accepts three *call options*, keyword arguments that
configure the call rather than feed the function: ``as_dict=True`` returns
the outputs as an ``OrderedDict`` keyed by output name, ``as_list=True``
returns a list even of one output, and ``call_id`` is recorded in the
application call's ``metadata`` (so that ``VariableFilter(call_id=...)``
selects the variables of that call). A function that declares an
``application`` argument receives the :class:`BoundApplication` being
called, one that declares ``application_call`` the :class:`ApplicationCall`.

Extension point: :class:`Application` exposes :meth:`Application.call`
(the part that calls the user's function between tagging inputs and
outputs), so a decorator such as ``recurrent`` can subclass it and wrap the
per-step function in a loop without re-implementing the tagging.

"""
import functools
import inspect
import logging
from abc import ABCMeta
from collections import OrderedDict

from aesara.graph.basic import Variable

from blocks.graph.annotations import Annotation, add_annotation
from blocks.roles import add_role, PARAMETER, INPUT, OUTPUT
from blocks.utils import pack, unpack, put_hook, repr_attrs
from blocks.utils.containers import AnnotatingList

logger = logging.getLogger(__name__)

BRICK_DELIMITER = '/'

not_a_child_error = """

The brick {caller} called {callee}, which is not among its children. A \
brick that applies another brick must list it in its `children` attribute, \
so that configuration, allocation and initialization reach it and so that \
its path (`get_unique_path`) is defined."""


class _NoneConfig:
    """A placeholder for a configuration value that is not set yet."""
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name

    __str__ = __repr__

    def __bool__(self):
        return False

    def __reduce__(self):
        return (_none_config_by_name, (self._name,))


def _none_config_by_name(name):
    return {'NoneAllocation': NoneAllocation,
            'NoneInitialization': NoneInitialization}[name]


#: Arguments that the application machinery supplies, never the caller.
INJECTED_ARGUMENTS = ('application', 'application_call')

#: Call options every application accepts (see the module docstring).
CALL_OPTIONS = ('as_dict', 'as_list', 'call_id')

#: Stands for an argument needed before allocation and not given yet.
NoneAllocation = _NoneConfig('NoneAllocation')
#: Stands for an argument needed before initialization and not given yet.
NoneInitialization = _NoneConfig('NoneInitialization')
#: The name later versions of Blocks gave to the class of the placeholders.
LazyNone = _NoneConfig


def _variable_name(brick_name, application_name, name):
    return "{}_{}_{}".format(brick_name, application_name, name)


def copy_and_tag(variable, brick, call, role, application_name, name):
    """Copy a variable and tag the copy as an input or output of a brick.

    This is what an application method does with each of its inputs and
    outputs: the copy is named ``<brick>_<application>_<name>`` (and
    ``tag.name`` is `name`), annotated with the brick and the application
    call, and given the role.

    Parameters
    ----------
    variable : :class:`~aesara.graph.basic.Variable`
        The variable to copy.
    brick : :class:`Brick`
        The brick applied.
    call : :class:`ApplicationCall`
        The application call the variable belongs to.
    role : :class:`~blocks.roles.VariableRole`
        The role to add, e.g. ``INPUT`` or ``OUTPUT``.
    application_name : str
        The name of the application method.
    name : str
        The name of the input or output.

    Returns
    -------
    :class:`~aesara.graph.basic.Variable`
        The tagged copy; its tag shares no mutable state with the
        original's.

    """
    copy = variable.copy()
    copy.name = _variable_name(brick.name, application_name, name)
    copy.tag.name = name
    # The copy shares no mutable tag state with the original.
    copy.tag.annotations = list(getattr(copy.tag, 'annotations', []))
    copy.tag.roles = list(getattr(copy.tag, 'roles', []))
    add_annotation(copy, brick)
    add_annotation(copy, call)
    add_role(copy, role)
    return copy


class Parameters(AnnotatingList):
    """Adds the PARAMETER role to parameters automatically.

    Parameters are also annotated with the brick that owns them.

    """
    def __init__(self, brick, *args, **kwargs):
        self.brick = brick
        super().__init__(*args, **kwargs)

    def _setitem(self, key, value):
        if isinstance(value, Variable):
            add_role(value, PARAMETER)
            add_annotation(value, self.brick)


class Children(AnnotatingList):
    """Adds the brick to the list of parents of its children."""
    def __init__(self, brick, *args, **kwargs):
        self.brick = brick
        super().__init__(*args, **kwargs)

    def _setitem(self, key, value):
        if not isinstance(value, Brick):
            raise TypeError("{}: children must be bricks, got {!r}".format(
                self.brick.path_or_name(), value))
        if value is not None:
            value.parents.append(self.brick)

    def _delitem(self, key):
        child = self._items[key]
        if child is not None:
            child.parents.remove(self.brick)


class Application:
    """An application method belonging to a particular type of brick.

    The application methods of each :class:`Brick` class are replaced by an
    instance of :class:`Application`, which stores metadata about them (such
    as their inputs and outputs). Accessing it on a brick instance returns a
    :class:`BoundApplication`.

    Parameters
    ----------
    application_function : callable
        The function that builds the graph, taking the brick as its first
        argument.

    Attributes
    ----------
    delegate_function : str or None
        The name of a brick method returning the :class:`BoundApplication`
        to which unknown attribute requests are routed.
    properties : dict
        Maps property names to the names of brick methods computing them.
    call_stack : list
        The bricks whose applications are being called, outermost first;
        shared by all applications.
    brick : type
        The brick class this application belongs to.

    Raises
    ------
    ValueError
        If a brick's application method is applied by another brick which
        does not list the former as a child.

    """
    call_stack = []

    def __init__(self, application_function):
        self.__doc__ = application_function.__doc__
        self._application_function = application_function
        self.application_name = application_function.__name__
        self.delegate_function = None
        self.properties = {}
        self.brick = None
        signature = inspect.signature(application_function)
        # The application and its call are supplied by `apply`, never by
        # the user, so arguments are bound against the signature without
        # them.
        self._signature = signature.replace(parameters=[
            parameter for parameter in signature.parameters.values()
            if parameter.name not in INJECTED_ARGUMENTS])
        parameters = list(signature.parameters.values())[1:]
        parameter_names = [parameter.name for parameter in parameters]
        self._accepts_application_call = 'application_call' in \
            parameter_names
        self._accepts_application = 'application' in parameter_names
        self._argument_names = [
            parameter.name for parameter in parameters
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD,
                                  parameter.KEYWORD_ONLY) and
            parameter.name not in INJECTED_ARGUMENTS]
        self._has_varargs = any(
            parameter.kind == parameter.VAR_POSITIONAL
            for parameter in parameters)

    @property
    def application_function(self):
        return self._application_function

    @property
    def name(self):
        return self.application_name

    @property
    def inputs(self):
        if '_inputs' in self.__dict__:
            return self._inputs
        return list(self._argument_names)

    @inputs.setter
    def inputs(self, inputs):
        inputs = list(inputs)
        if not self._has_varargs:
            unknown = [input_ for input_ in inputs
                       if input_ not in self._argument_names]
            if unknown:
                raise ValueError(
                    "application {}: declared inputs {} are not arguments "
                    "of the function (its arguments: {})".format(
                        self.application_name, unknown,
                        self._argument_names))
        self._inputs = inputs

    def __getattr__(self, name):
        # Only called when normal lookup fails.
        if name.startswith('__') or name in ('_inputs', 'outputs'):
            raise AttributeError(name)
        raise AttributeError("application {!r} has no attribute {!r}"
                             .format(self.__dict__.get('application_name'),
                                     name))

    def __get__(self, instance, owner):
        """Instantiate a :class:`BoundApplication` for each brick."""
        if instance is None:
            return self
        bound_applications = instance.__dict__.setdefault(
            '_bound_applications', {})
        bound = bound_applications.get(self.application_name)
        if bound is None or bound.application is not self:
            bound = BoundApplication(self, instance)
            bound_applications[self.application_name] = bound
        return bound

    def __reduce__(self):
        return (getattr, (self.brick, self.application_name))

    def property(self, name):
        """Decorator to make application properties.

        Parameters
        ----------
        name : str
            The name the property should take.

        Examples
        --------
        >>> class Foo(Brick):
        ...     @application
        ...     def apply(self, x):
        ...         return x + 1
        ...
        ...     @apply.property('inputs')
        ...     def apply_inputs(self):
        ...         return ['foo', 'bar']
        >>> foo = Foo()
        >>> foo.apply.inputs
        ['foo', 'bar']

        """
        if not isinstance(name, str):
            raise TypeError("Application.property: expected the property's "
                            "name (a str), got {!r}".format(name))

        def wrap_property(application_property):
            self.properties[name] = application_property.__name__
            return application_property
        return wrap_property

    def delegate(self, f):
        """Decorator to assign a delegate application.

        Whenever an attribute is not available, it is requested from the
        application returned by the delegate.

        Examples
        --------
        >>> class Foo(Brick):
        ...     @application(outputs=['baz'])
        ...     def apply(self, x):
        ...         return x + 1
        ...
        ...     @apply.property('inputs')
        ...     def apply_inputs(self):
        ...         return ['foo', 'bar']
        >>> class Bar(Brick):
        ...     def __init__(self, foo, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.foo = foo
        ...
        ...     @application(outputs=['foo'])
        ...     def apply(self, x):
        ...         return x + 1
        ...
        ...     @apply.delegate
        ...     def apply_delegate(self):
        ...         return self.foo.apply
        >>> foo = Foo()
        >>> bar = Bar(foo)
        >>> bar.apply.outputs
        ['foo']
        >>> bar.apply.inputs
        ['foo', 'bar']

        """
        self.delegate_function = f.__name__
        return f

    def bind_arguments(self, brick, args, kwargs):
        """Map positional and keyword arguments to argument names.

        Raises a ``TypeError`` naming the brick and the application if the
        arguments do not fit the function's signature.

        """
        try:
            bound = self._bind_signature(brick, args, kwargs)
        except TypeError as exc:
            raise TypeError("{}.{}: {}; the signature is {}{}".format(
                brick.path_or_name(), self.application_name, exc,
                self.application_name, self._signature)) from exc
        arguments = OrderedDict()
        for name, value in list(bound.arguments.items())[1:]:
            kind = self._signature.parameters[name].kind
            if kind == inspect.Parameter.VAR_POSITIONAL:
                arguments['*' + name] = tuple(value)
            elif kind == inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            else:
                arguments[name] = value
        return arguments

    def _bind_signature(self, brick, args, kwargs):
        """Bind the arguments to the function's signature.

        Subclasses may bind partially (``bind_partial``) when they supply
        missing arguments themselves.

        """
        return self._signature.bind(brick, *args, **kwargs)

    def apply(self, bound_application, *args, **kwargs):
        """Apply the brick: allocate, tag inputs, call, tag outputs.

        Parameters
        ----------
        bound_application : :class:`BoundApplication`
        \*args, \*\*kwargs
            The arguments of the application function, and the call
            options ``as_dict``, ``as_list`` and ``call_id``.

        """
        brick = bound_application.brick
        as_dict = kwargs.pop('as_dict', False)
        as_list = kwargs.pop('as_list', False)
        call_id = kwargs.pop('call_id', None)
        if as_dict and as_list:
            raise ValueError("{}.{}: as_dict and as_list are exclusive; "
                             "give at most one of them".format(
                                 brick.path_or_name(),
                                 self.application_name))

        # Application of a brick by another brick must be declared.
        last_brick = self.call_stack[-1] if self.call_stack else None
        if (last_brick is not None and last_brick is not brick and
                brick not in last_brick.children):
            raise ValueError(
                "brick {} is not a child of {}".format(
                    brick.path_or_name(), last_brick.path_or_name()) +
                not_a_child_error.format(caller=last_brick.path_or_name(),
                                         callee=brick.path_or_name()))
        if not brick.allocated:
            brick.allocate()

        application_call = ApplicationCall(bound_application)
        application_call.metadata['call_id'] = call_id

        if 'inputs' in self.properties or '_inputs' in self.__dict__:
            inputs = bound_application.inputs
        else:
            inputs = self._argument_names
        arguments = self.bind_arguments(brick, args, kwargs)
        for name, value in list(arguments.items()):
            if name.startswith('*'):
                named = [input_ for input_ in inputs
                         if input_ not in arguments]
                arguments[name] = tuple(
                    self._tag(item, brick, application_call, INPUT,
                              input_name)
                    if isinstance(item, Variable) else item
                    for input_name, item in zip(named, value)) + \
                    tuple(value[len(named):])
            elif name in inputs and isinstance(value, Variable):
                arguments[name] = self._tag(
                    value, brick, application_call, INPUT, name)
            elif (name in inputs and isinstance(value, (list, tuple)) and
                  value and all(isinstance(item, Variable)
                                for item in value)):
                arguments[name] = type(value)(
                    self._tag(item, brick, application_call, INPUT, name)
                    for item in value)

        if self._accepts_application:
            arguments['application'] = bound_application
        if self._accepts_application_call:
            arguments['application_call'] = application_call
        self.call_stack.append(brick)
        try:
            outputs = self.call(brick, arguments)
        finally:
            self.call_stack.pop()

        output_names = getattr(bound_application, 'outputs', None)
        return_list = isinstance(outputs, (list, tuple))
        outputs = pack(outputs)
        if output_names is None:
            output_names = (['output'] if len(outputs) == 1 else
                            ['output_{}'.format(index)
                             for index in range(len(outputs))])
        elif len(output_names) != len(outputs):
            raise ValueError(
                "{}.{} declares the outputs {} but returned {} "
                "value(s)".format(brick.path_or_name(), self.application_name,
                                  output_names, len(outputs)))
        tagged = []
        for output, name in zip(outputs, output_names):
            if isinstance(output, Variable):
                output = self._tag_output(output, brick, application_call,
                                          name)
            tagged.append(output)
        if as_dict:
            return OrderedDict(zip(output_names, tagged))
        if as_list:
            return tagged
        if return_list and len(tagged) > 1:
            return tagged
        return unpack(tagged)

    def call(self, brick, arguments):
        """Call the application function with bound arguments.

        Subclasses (such as a ``recurrent`` decorator) override this to
        change how the function is evaluated.

        """
        if not self._has_varargs:
            return self.application_function(brick, **arguments)
        arguments = dict(arguments)
        args = []
        for parameter in list(self._signature.parameters.values())[1:]:
            if parameter.kind == parameter.VAR_POSITIONAL:
                args.extend(arguments.pop('*' + parameter.name, ()))
                break
            if parameter.name in arguments:
                args.append(arguments.pop(parameter.name))
        return self.application_function(brick, *args, **arguments)

    def _tag_output(self, output, brick, application_call, name):
        """Tag an output; subclasses may tag some outputs in place."""
        return self._tag(output, brick, application_call, OUTPUT, name)

    def _tag(self, variable, brick, application_call, role, name):
        copy = copy_and_tag(variable, brick, application_call, role,
                            self.application_name, name)
        if brick.print_shapes:
            copy = put_hook(copy, _ShapePrinter(copy.name))
            copy.name = _variable_name(brick.name, self.application_name,
                                       name)
            copy.tag.name = name
            copy.tag.annotations = [brick, application_call]
            copy.tag.roles = [role]
        return copy


class _ShapePrinter:
    """Logs the shape of a value; used by ``Brick.print_shapes``."""
    def __init__(self, name):
        self.name = name

    def __call__(self, value):
        logger.info("%s shape: %s", self.name, value.shape)
        print("{} shape: {}".format(self.name, value.shape))


class BoundApplication:
    """An application method bound to a :class:`Brick` instance.

    Attributes not found here are looked up, in order, among the
    application's properties (computed for this brick), on the
    :class:`Application` itself, and on the delegate application.

    """
    def __init__(self, application, brick):
        self.application = application
        self.brick = brick

    @property
    def name(self):
        return self.application.name

    def __getattr__(self, name):
        if name in ('application', 'brick') or name.startswith('__'):
            raise AttributeError(name)
        application = self.application
        if name in application.properties:
            return getattr(self.brick, application.properties[name])()
        # Undeclared inputs default to the argument names, unless a delegate
        # can tell (as in the example of `Application.delegate`).
        if name == 'inputs' and '_inputs' not in application.__dict__ and \
                application.delegate_function is not None:
            delegate = getattr(self.brick, application.delegate_function)()
            return delegate.inputs
        try:
            return getattr(application, name)
        except AttributeError:
            pass
        if application.delegate_function is not None:
            delegate = getattr(self.brick, application.delegate_function)()
            return getattr(delegate, name)
        raise AttributeError(
            "application {}.{} has no attribute {!r}".format(
                self.brick.path_or_name(), application.name, name))

    def __call__(self, *args, **kwargs):
        return self.application.apply(self, *args, **kwargs)

    def __repr__(self):
        return '<BoundApplication {}.{}>'.format(self.brick.path_or_name(),
                                                 self.application.name)


class ApplicationCall(Annotation):
    """A link between the variable tags and bricks.

    The application call can be used to attach to an apply call auxiliary
    variables (e.g. monitors or regularizers) that do not form part of the
    main computation graph. It is created before the call to the
    application method and handed to it as the ``application_call``
    argument, when the method has one.

    Parameters
    ----------
    application : :class:`BoundApplication`
        The bound application being called.

    Examples
    --------
    >>> from aesara import tensor
    >>> class Foo(Brick):
    ...     @application
    ...     def apply(self, x, application_call):
    ...         application_call.add_auxiliary_variable(x.mean())
    ...         return x + 1
    >>> x = tensor.vector()
    >>> y = Foo().apply(x)
    >>> from blocks.filter import get_application_call
    >>> get_application_call(y) # doctest: +ELLIPSIS
    <blocks.bricks.base.ApplicationCall object at ...>

    """
    def __init__(self, application):
        self.application = application
        self.metadata = {}
        super().__init__()

    def add_auxiliary_variable(self, variable, roles=None, name=None):
        add_annotation(variable, self.application.brick)
        return super().add_auxiliary_variable(variable, roles, name)


def application(*args, **kwargs):
    """Decorator for methods that apply a brick to inputs.

    Parameters
    ----------
    \\*args
        The application method to wrap (when used without arguments).
    \\*\\*kwargs
        Attributes to attach to this application (``inputs``, ``outputs``,
        ...).

    Notes
    -----
    This decorator replaces application methods with :class:`Application`
    instances. It does not wrap the method with ``functools.wraps``, which
    would make the class impossible to pickle.

    Examples
    --------
    >>> class Foo(Brick):
    ...     @application(inputs=['x'], outputs=['y'])
    ...     def apply(self, x):
    ...         return x + 1
    ...     @application
    ...     def other_apply(self, x):
    ...         return x - 1
    >>> foo = Foo()
    >>> Foo.apply.inputs
    ['x']
    >>> foo.apply.outputs
    ['y']
    >>> Foo.other_apply # doctest: +ELLIPSIS
    <blocks.bricks.base.Application object at ...>

    """
    return _make_application_decorator(Application, args, kwargs)


def _make_application_decorator(application_class, args, kwargs):
    if args:
        if len(args) != 1 or kwargs or not callable(args[0]):
            raise TypeError("application: use either @application or "
                            "@application(attribute=value, ...)")
        return application_class(args[0])

    def wrap_application(application_function):
        application_ = application_class(application_function)
        for key, value in kwargs.items():
            setattr(application_, key, value)
        return application_
    return wrap_application


class _Brick(ABCMeta):
    """Metaclass which attaches brick classes to their applications.

    Application objects cannot be added to a brick class after it is
    created (they would not know their class, which pickling needs). To
    add application methods programmatically, put a list of wrappers in
    the class's ``decorators`` attribute: each is called as
    ``decorator(mcs, name, bases, namespace)`` and may modify the namespace
    of the class being created (see :mod:`blocks.bricks.wrappers`).

    """
    def __new__(mcs, name, bases, namespace):
        decorators = namespace.get('decorators', [])
        for decorator in decorators:
            decorator(mcs, name, bases, namespace)
        brick = super().__new__(mcs, name, bases, namespace)
        for attr in namespace.values():
            if isinstance(attr, Application):
                attr.brick = brick
        return brick


class ActivationDocumentation(_Brick):
    """Metaclass that documents activation bricks which lack documentation.

    A class without a docstring gets "Elementwise application of the <name>
    function." and an ``apply`` application method defined without a
    docstring gets one saying what it computes, so that the many small
    activation classes need not repeat it. Documentation that is written
    is kept.

    """
    def __new__(mcs, name, bases, namespace):
        function_name = name.lower()
        if not namespace.get('__doc__'):
            namespace['__doc__'] = (
                "Elementwise application of the {} function.".format(
                    function_name))
        apply = namespace.get('apply')
        if isinstance(apply, Application) and not apply.__doc__:
            apply.__doc__ = _activation_apply_doc.format(function_name)
        return super().__new__(mcs, name, bases, namespace)


_activation_apply_doc = """Apply the {0} function element-wise.

        Parameters
        ----------
        input_ : :class:`~aesara.tensor.TensorVariable`
            The variable to apply the {0} function to, element-wise.

        Returns
        -------
        output : :class:`~aesara.tensor.TensorVariable`
            The input with the activation function applied.

        """


class Brick(Annotation, metaclass=_Brick):
    """A brick encapsulates Aesara operations with parameters.

    A brick goes through the following stages:

    1. Construction: ``__init__`` sets the configuration and creates the
       children.
    2. Allocation of parameters:

       a) :meth:`push_allocation_config` configures the children;
       b) :meth:`allocate` creates the shared variables of the parameters
          (filled with NaN), children first.

    3. Either order:

       a) Application: applying the brick to Aesara variables builds part
          of the graph, allocating the brick first if needed.
       b) Initialization: :meth:`push_initialization_config` configures
          the children, then :meth:`initialize` sets the parameters'
          values, children first.

    Steps 3a and 3b.2 perform the steps they depend on when needed; call
    them explicitly for finer control, e.g. to override a child's
    configuration between the push and the initialization.

    Parameters
    ----------
    name : str, optional
        The name of this brick, used in variable names and brick paths.
        Defaults to the class name in lower case.
    children : list of Brick, optional
        The children of this brick.

    Attributes
    ----------
    parameters : list of shared variables
        Exists after :meth:`allocate`; reading it before raises
        ``AttributeError``.
    children : list of Brick
    parents : list of Brick
    allocated, initialized : bool
    allocation_config_pushed, initialization_config_pushed : bool
    print_shapes : bool
        If True, the shapes of the inputs and outputs of each application
        are printed when the compiled function runs.

    Examples
    --------
    >>> from aesara import tensor
    >>> from blocks.initialization import IsotropicGaussian, Constant
    >>> from blocks.bricks import Linear
    >>> linear = Linear(input_dim=5, output_dim=3,
    ...                 weights_init=IsotropicGaussian(),
    ...                 biases_init=Constant(0))
    >>> x = tensor.vector()
    >>> linear.apply(x)  # Calls linear.allocate() automatically
    linear_apply_output
    >>> linear.initialize()  # Initializes the weight matrix

    """
    print_shapes = False

    def __init__(self, name=None, children=None):
        if name is None:
            name = self.__class__.__name__.lower()
        if not isinstance(name, str):
            raise TypeError("{}: name must be a str, got {!r}".format(
                self.__class__.__name__, name))
        if children is None:
            children = []
        self.name = name
        self.parents = []
        self.children = children
        self.allocated = False
        self.allocation_config_pushed = False
        self.initialized = False
        self.initialization_config_pushed = False
        super().__init__()

    def __repr__(self):
        return repr_attrs(self, 'name')

    @property
    def parameters(self):
        if '_parameters' not in self.__dict__:
            raise AttributeError("'{}' object has no attribute 'parameters'"
                                 .format(self.__class__.__name__))
        return self._parameters

    @parameters.setter
    def parameters(self, value):
        self._parameters = Parameters(self, value)

    @parameters.deleter
    def parameters(self):
        del self._parameters

    @property
    def children(self):
        return self._children

    @children.setter
    def children(self, value):
        old_children = self.__dict__.get('_children')
        if old_children is not None:
            for child in list(old_children):
                if self in child.parents:
                    child.parents.remove(self)
        self._children = Children(self, value)

    def _lazy_arguments(self, kind):
        names = []
        for cls in type(self).__mro__:
            init = cls.__dict__.get('__init__')
            for name in getattr(init, '_lazy_' + kind, ()):
                if name not in names:
                    names.append(name)
        return names

    def _check_config(self, kind, placeholder):
        missing = [name for name in self._lazy_arguments(kind)
                   if getattr(self, name, None) is placeholder]
        if missing:
            raise ValueError(
                "{} config not set: {} (brick {}: set {} before {})".format(
                    kind, ', '.join(missing), self.path_or_name(),
                    ', '.join('{}.{}'.format(self.name, name)
                              for name in missing),
                    'allocating or applying it' if kind == 'allocation'
                    else 'initializing it'))

    def allocate(self):
        """Allocate shared variables for parameters.

        Based on the current configuration, create the shared variables
        that store the parameters, children first. Resets any previously
        allocated parameters.

        Raises
        ------
        ValueError
            If the configuration is insufficient to determine the number or
            the shapes of the parameters.

        """
        if not self.allocation_config_pushed:
            self.push_allocation_config()
        self._check_config('allocation', NoneAllocation)
        for child in self.children:
            child.allocate()
        self.parameters = []
        self._allocate()
        self.allocated = True

    def _allocate(self):
        """Brick implementation of parameter allocation.

        Implement this if your brick needs to allocate its parameters.
        Never call it directly: call :meth:`allocate`.

        """

    def initialize(self):
        """Initialize parameters, such as weight matrices and biases.

        Allocates the parameters first if needed, then pushes the
        initialization configuration to the children (unless already
        pushed) and initializes them.

        """
        if not self.allocated:
            self.allocate()
        if not self.initialization_config_pushed:
            self.push_initialization_config()
        self._check_config('initialization', NoneInitialization)
        for child in self.children:
            child.initialize()
        self._initialize()
        self.initialized = True

    def _initialize(self):
        """Brick implementation of parameter initialization.

        Never call it directly: call :meth:`initialize`.

        """

    def push_allocation_config(self):
        """Push the configuration for allocation to child bricks.

        Done automatically by :meth:`allocate`; call it yourself to
        override a child's configuration afterwards.

        """
        self._push_allocation_config()
        self.allocation_config_pushed = True
        for child in self.children:
            try:
                child.push_allocation_config()
            except Exception:
                self.allocation_config_pushed = False
                raise

    def _push_allocation_config(self):
        """Brick implementation of configuring children before allocation.
        """

    def push_initialization_config(self):
        """Push the configuration for initialization to child bricks.

        Done automatically by :meth:`initialize`; call it yourself to
        override a child's configuration afterwards.

        """
        self._push_initialization_config()
        self.initialization_config_pushed = True
        for child in self.children:
            try:
                child.push_initialization_config()
            except Exception:
                self.initialization_config_pushed = False
                raise

    def _push_initialization_config(self):
        """Brick implementation of configuring children before
        initialization."""

    def get_dim(self, name):
        """Get the dimension of an input/output variable of a brick.

        Parameters
        ----------
        name : str
            The name of the variable.

        """
        raise ValueError("{}: no dimension information for {!r}".format(
            self.path_or_name(), name))

    def get_dims(self, names):
        """Get the dimensions of a list of input/output variables."""
        return [self.get_dim(name) for name in names]

    def get_unique_path(self):
        """Return the unique path to this brick in the brick hierarchy.

        Returns
        -------
        list of Brick
            From the top brick down to this one.

        Raises
        ------
        ValueError
            If the brick (or an ancestor) has several parents.

        """
        if len(self.parents) > 1:
            raise ValueError(
                "brick {!r} has several parents ({}): its path is "
                "ambiguous".format(self.name, ', '.join(
                    parent.name for parent in self.parents)))
        if not self.parents:
            return [self]
        return self.parents[0].get_unique_path() + [self]

    def get_path(self):
        """The path of this brick as a string, e.g. ``/mlp/linear_0``."""
        return BRICK_DELIMITER + BRICK_DELIMITER.join(
            brick.name for brick in self.get_unique_path())

    def path_or_name(self):
        """The brick's path for messages, falling back to its name."""
        try:
            return self.get_path()
        except (ValueError, AttributeError):
            return '/' + getattr(self, 'name', type(self).__name__.lower())

    def get_hierarchical_name(self, parameter, delimiter=BRICK_DELIMITER):
        """Return the hierarchical name of one of this brick's parameters.

        E.g. ``/mlp/linear_0.W``.

        """
        return self.get_path().replace(BRICK_DELIMITER, delimiter) + \
            '.' + parameter.name


def args_to_kwargs(args, f):
    """Map positional arguments to the names of ``f``'s parameters."""
    names = list(inspect.signature(f).parameters)
    return dict(zip(names, args))


def lazy(allocation=None, initialization=None):
    """Makes the initialization lazy.

    The arguments named in ``allocation`` and ``initialization`` may be
    omitted when the brick is constructed: they are then replaced by
    :data:`NoneAllocation` and :data:`NoneInitialization` and must be set as
    attributes of the same name before allocation (respectively
    initialization).

    Parameters
    ----------
    allocation : list of str
        Arguments needed before allocation.
    initialization : list of str
        Arguments needed before initialization.

    Examples
    --------
    >>> class SomeBrick(Brick):
    ...     @lazy(allocation=['a'], initialization=['b'])
    ...     def __init__(self, a, b, c='c', d=None):
    ...         print(a, b, c, d)
    >>> brick = SomeBrick('a')
    a NoneInitialization c None
    >>> brick = SomeBrick(d='d', b='b')
    NoneAllocation b c d

    """
    if not allocation:
        allocation = []
    if not initialization:
        initialization = []

    def lazy_wrapper(init):
        signature = inspect.signature(init)
        parameter_names = list(signature.parameters)[1:]
        unknown = [name for name in allocation + initialization
                   if name not in parameter_names]
        if unknown:
            raise ValueError("lazy: {} are not arguments of {}".format(
                unknown, init.__qualname__))

        @functools.wraps(init)
        def lazy_init(*args, **kwargs):
            self = args[0]
            given = set(parameter_names[:len(args) - 1]) | set(kwargs)
            for name in allocation:
                if name not in given:
                    kwargs[name] = NoneAllocation
            for name in initialization:
                if name not in given:
                    kwargs[name] = NoneInitialization
            return init(self, *args[1:], **kwargs)
        lazy_init._lazy_allocation = tuple(allocation)
        lazy_init._lazy_initialization = tuple(initialization)
        return lazy_init
    return lazy_wrapper


def rename_function(function, new_name):
    """Return a copy of ``function`` named ``new_name``."""
    new = type(function)(function.__code__, function.__globals__, new_name,
                         function.__defaults__, function.__closure__)
    new.__dict__.update(function.__dict__)
    new.__qualname__ = new_name
    new.__kwdefaults__ = function.__kwdefaults__
    return new


def create_unbound_method(func, cls):
    """Return ``func`` as a method of ``cls`` (plain functions in
    Python 3)."""
    return func
