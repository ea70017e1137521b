"""Predicates for the conditions of simple extensions.

A predicate takes the main loop's log and says whether an extension should
run. Predicates are pickled with the main loop, so they are small classes
rather than lambdas.

"""


class OnLogRecord:
    """Trigger a callback when a certain log record is found.

    The predicate holds when the current row of the log has a record with
    the given name whose value is true.

    Parameters
    ----------
    record_name : str
        The record name to check.

    Examples
    --------
    >>> from blocks.log import TrainingLog
    >>> log = TrainingLog()
    >>> predicate = OnLogRecord('valid_cost_best_so_far')
    >>> predicate(log)
    False
    >>> log.current_row['valid_cost_best_so_far'] = True
    >>> predicate(log)
    True

    """
    def __init__(self, record_name):
        if not isinstance(record_name, str):
            raise TypeError("OnLogRecord: record_name must be a string, got "
                            "{!r}".format(record_name))
        self.record_name = record_name

    def __call__(self, log):
        return bool(log.current_row.get(self.record_name, False))

    def __repr__(self):
        return 'OnLogRecord({!r})'.format(self.record_name)
