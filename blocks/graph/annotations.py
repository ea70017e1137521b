"""Annotations attached to variables of an Aesara graph."""
from blocks.roles import add_role, AUXILIARY


def add_annotation(var, annotation):
    """Attach an annotation (a brick, an application call, ...) to a
    variable.

    The annotation is kept in ``var.tag.annotations``; adding the same
    annotation twice has no effect.

    """
    annotations = getattr(var.tag, 'annotations', [])
    if any(old_annotation is annotation for old_annotation in annotations):
        return
    var.tag.annotations = annotations + [annotation]


class Annotation:
    """Annotations on Aesara variables in a graph.

    In Blocks annotations are automatically attached to variables created
    using bricks. One form of annotation is that many variables are assigned
    a role (see :class:`~blocks.roles.VariableRole`). A second form is an
    :class:`Annotation` instance in the variable's ``tag.annotations``, with
    auxiliary variables and/or updates.

    :class:`~blocks.graph.ComputationGraph` collects the auxiliary variables
    and updates of every annotation found on a variable of the graph.

    Examples
    --------
    >>> from aesara import tensor
    >>> x = tensor.vector()
    >>> annotation = Annotation()
    >>> annotation.add_auxiliary_variable(x + 1, name='x_plus_1')
    >>> add_annotation(x, annotation)
    >>> y = x ** 2
    >>> from blocks.graph import ComputationGraph
    >>> cg = ComputationGraph([y])
    >>> cg.auxiliary_variables
    [x_plus_1]

    """
    def __init__(self):
        self.auxiliary_variables = []
        self.updates = {}

    def add_auxiliary_variable(self, variable, roles=None, name=None):
        """Attach an auxiliary variable to the graph.

        Auxiliary variables are not part of a brick's output but are useful
        nonetheless, e.g. as a regularizer or to monitor during training.

        Parameters
        ----------
        variable : :class:`~aesara.tensor.TensorVariable`
            The variable to add.
        roles : list of :class:`~blocks.roles.VariableRole`, optional
            Further roles of this variable; ``AUXILIARY`` is always added.
        name : str, optional
            A name for the variable, which overwrites any name it has.

        """
        add_annotation(variable, self)
        if name is not None:
            variable.name = name
            variable.tag.name = name
        add_role(variable, AUXILIARY)
        if roles is not None:
            for role in roles:
                add_role(variable, role)
        self.auxiliary_variables.append(variable)
