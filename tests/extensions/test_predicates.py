import pickle

import pytest

from blocks.extensions.predicates import OnLogRecord
from blocks.log import TrainingLog


def test_on_log_record():
    log = TrainingLog()
    predicate = pickle.loads(pickle.dumps(OnLogRecord('saved_to')))
    assert not predicate(log)
    log.current_row['saved_to'] = ('checkpoint.zip',)
    assert predicate(log)
    log.status['iterations_done'] += 1
    assert not predicate(log)
    log.current_row['saved_to'] = None
    assert not predicate(log)
    with pytest.raises(TypeError, match='OnLogRecord: record_name must be a '
                       'string, got 3'):
        OnLogRecord(3)
