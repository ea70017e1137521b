"""An extension that writes the date and time to the log."""
import datetime

from blocks.extensions.base import SimpleExtension


class Timestamp(SimpleExtension):
    """Adds a human readable (ISO 8601) timestamp to the log.

    Parameters
    ----------
    log_record : str, optional
        The record name to use. Defaults to 'timestamp'.
    separator : str, optional
        Separator between the date and time. ISO 8601 specifies 'T'; the
        default is a blank space, for readability.
    \\*\\*kwargs
        Triggers and `name`, see :class:`SimpleExtension`. By default the
        extension runs before training, after every epoch, after training,
        on an error, on an interruption and on resumption; pass False to
        turn any of them off.

    Examples
    --------
    >>> date, time = Timestamp(separator='T').get_timestamp().split('T')
    >>> len(date), time.count(':')
    (10, 2)

    """
    DEFAULT_LOG_RECORD = 'timestamp'

    def __init__(self, log_record: str = DEFAULT_LOG_RECORD,
                 separator: str = ' ', **kwargs):
        if not isinstance(log_record, str) or not log_record:
            raise TypeError("Timestamp: log_record must be a non-empty "
                            "string, got {!r}".format(log_record))
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError("Timestamp: separator must be a single "
                             "character, got {!r}".format(separator))
        self.log_record = log_record
        self.separator = separator
        for trigger in ('before_training', 'after_epoch', 'on_error',
                        'on_interrupt', 'on_resumption', 'after_training'):
            kwargs.setdefault(trigger, True)
        super().__init__(**kwargs)

    def do(self, *args):
        self.main_loop.log.current_row[self.log_record] = \
            self.get_timestamp()

    def get_timestamp(self):
        """The current local date and time, as an ISO 8601 string."""
        return datetime.datetime.now().isoformat(self.separator)
