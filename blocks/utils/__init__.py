"""Small helpers used throughout Blocks.

The helpers live in two modules, as in later versions of Blocks, and are
re-exported here:

- :mod:`blocks.utils.utils`: packing arguments, dictionaries, errors,
  debugging hooks, walking brick hierarchies;
- :mod:`blocks.utils.aesara_utils`: shared variables and checks of Aesara
  variables.

:mod:`blocks.utils.testing` holds helpers for the tests of projects built
on Blocks; it is not imported here.

"""
from blocks.utils.utils import (
    change_recursion_limit, dict_subset, dict_union, extract_args,
    find_bricks, ipdb_breakpoint, pack, print_shape, print_sum, repr_attrs,
    reraise_as, unpack)
from blocks.utils.aesara_utils import (
    check_aesara_variable, is_graph_input, is_shared_variable, put_hook,
    shared_floatx, shared_floatx_nans, shared_floatx_zeros,
    shared_floatx_zeros_matching, shared_like)

__all__ = ['change_recursion_limit', 'check_aesara_variable', 'dict_subset',
           'dict_union', 'extract_args', 'find_bricks', 'ipdb_breakpoint',
           'is_graph_input', 'is_shared_variable', 'pack', 'print_shape',
           'print_sum', 'put_hook', 'repr_attrs', 'reraise_as',
           'shared_floatx', 'shared_floatx_nans', 'shared_floatx_zeros',
           'shared_floatx_zeros_matching', 'shared_like', 'unpack']
