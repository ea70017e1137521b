"""Selecting variables of an annotated graph by role, brick and name."""
import inspect
import re

from blocks.bricks.base import ApplicationCall, BoundApplication, Brick
from blocks.roles import has_roles, VariableRole


def get_annotation(var, cls):
    """Retrieve the first annotation of a given type on a variable.

    Returns None if there is none.

    """
    for annotation in getattr(var.tag, 'annotations', []):
        if isinstance(annotation, cls):
            return annotation


def get_brick(var):
    """Retrieve the brick that created this variable.

    See :func:`get_annotation`.

    """
    return get_annotation(var, Brick)


def get_application_call(var):
    """Retrieve the application call that created this variable.

    See :func:`get_annotation`.

    """
    return get_annotation(var, ApplicationCall)


class VariableFilter:
    """Filters Aesara variables based on a range of criteria.

    Parameters
    ----------
    roles : list of :class:`~blocks.roles.VariableRole` instances, optional
        Matches any variable which has one of the roles given (or, with
        ``each_role``, all of them). A role matches its subroles:
        PARAMETER finds WEIGHT and BIAS.
    bricks : list of :class:`~blocks.bricks.base.Brick` classes or
        instances, optional
        Matches any variable whose brick is an instance of one of the given
        classes or is one of the given instances.
    each_role : bool, optional
        If True, the variable needs to have all given roles. False by
        default.
    name : str, optional
        The Blocks name of the variable (``var.tag.name``).
    name_regex : str, optional
        A regular expression searched in the Blocks name.
    aesara_name : str, optional
        The Aesara name of the variable (``var.name``).
    aesara_name_regex : str, optional
        A regular expression searched in the Aesara name.
    call_id : str, optional
        The id of the application call that produced the variable.
    applications : list of :class:`~blocks.bricks.base.Application`
        or :class:`~blocks.bricks.base.BoundApplication`, optional
        Matches variables produced by one of the given applications.

    Notes
    -----
    Only auxiliary variables, parameters, inputs and outputs are tagged with
    the brick that created them; filtering by brick drops the other
    variables.

    Examples
    --------
    >>> from blocks.bricks import MLP, Linear, Logistic, Identity
    >>> from blocks.roles import BIAS
    >>> mlp = MLP(activations=[Identity(), Logistic()], dims=[20, 10, 20])
    >>> from aesara import tensor
    >>> x = tensor.matrix()
    >>> y_hat = mlp.apply(x)
    >>> from blocks.graph import ComputationGraph
    >>> cg = ComputationGraph(y_hat)
    >>> var_filter = VariableFilter(roles=[BIAS],
    ...                             bricks=[mlp.linear_transformations[0]])
    >>> var_filter(cg.variables)
    [b]

    """
    def __init__(self, roles=None, bricks=None, each_role=False, name=None,
                 name_regex=None, aesara_name=None, aesara_name_regex=None,
                 call_id=None, applications=None):
        if roles is not None:
            roles = list(roles)
            for role in roles:
                if not isinstance(role, VariableRole):
                    raise TypeError(
                        "VariableFilter: roles must be VariableRole "
                        "instances such as blocks.roles.WEIGHT; got {!r} "
                        "({})".format(role, type(role).__name__))
        if bricks is not None:
            bricks = list(bricks)
            for brick in bricks:
                if not (isinstance(brick, Brick) or
                        (inspect.isclass(brick) and
                         issubclass(brick, Brick))):
                    raise TypeError(
                        "VariableFilter: bricks must be Brick instances or "
                        "Brick subclasses; got {!r} ({})".format(
                            brick, type(brick).__name__))
        if applications is not None:
            applications = list(applications)
            for application in applications:
                if not hasattr(application, 'application_name') and \
                        not isinstance(application, BoundApplication):
                    raise TypeError(
                        "VariableFilter: applications must be application "
                        "methods (e.g. mlp.apply); got {!r}".format(
                            application))
        for argument, value in (('name', name), ('name_regex', name_regex),
                                ('aesara_name', aesara_name),
                                ('aesara_name_regex', aesara_name_regex)):
            if value is not None and not isinstance(value, str):
                raise TypeError("VariableFilter: {} must be a str, got {!r}"
                                .format(argument, value))
        self.roles = roles
        self.bricks = bricks
        self.each_role = each_role
        self.name = name
        self.name_regex = name_regex
        self.aesara_name = aesara_name
        self.aesara_name_regex = aesara_name_regex
        self.call_id = call_id
        self.applications = applications

    def __call__(self, variables):
        """Filter the given variables.

        Parameters
        ----------
        variables : list of :class:`~aesara.tensor.TensorVariable`

        """
        if hasattr(variables, 'variables') and \
                not isinstance(variables, (list, tuple)):
            variables = variables.variables
        if self.roles:
            variables = [var for var in variables
                         if has_roles(var, self.roles, self.each_role)]
        if self.bricks is not None:
            filtered_variables = []
            for var in variables:
                var_brick = get_brick(var)
                if var_brick is None:
                    continue
                for brick in self.bricks:
                    if inspect.isclass(brick) and isinstance(var_brick,
                                                             brick):
                        filtered_variables.append(var)
                        break
                    elif var_brick is brick:
                        filtered_variables.append(var)
                        break
            variables = filtered_variables
        if self.name:
            variables = [var for var in variables
                         if getattr(var.tag, 'name', None) == self.name]
        if self.name_regex:
            variables = [var for var in variables
                         if getattr(var.tag, 'name', None) and
                         re.search(self.name_regex, var.tag.name)]
        if self.aesara_name:
            variables = [var for var in variables
                         if var.name is not None and
                         var.name == self.aesara_name]
        if self.aesara_name_regex:
            variables = [var for var in variables
                         if var.name is not None and
                         re.search(self.aesara_name_regex, var.name)]
        if self.call_id:
            variables = [var for var in variables
                         if get_application_call(var) and
                         get_application_call(var).metadata.get('call_id')
                         == self.call_id]
        if self.applications:
            wanted = []
            for application in self.applications:
                if isinstance(application, BoundApplication):
                    wanted.append((application.application,
                                   application.brick))
                else:
                    wanted.append((application, None))
            filtered_variables = []
            for var in variables:
                call = get_application_call(var)
                if call is None:
                    continue
                for application, brick in wanted:
                    if call.application.application is application and (
                            brick is None or
                            call.application.brick is brick):
                        filtered_variables.append(var)
                        break
            variables = filtered_variables
        return variables
