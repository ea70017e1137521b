import datetime

import pytest

from blocks.extensions import FinishAfter, Timestamp
from blocks.main_loop import MainLoop
from tests.extensions import FakeAlgorithm, examples_stream


class FixedTimestamp(Timestamp):
    def get_timestamp(self):
        return 'then'


def test_timestamp_records_the_time_at_the_default_callbacks():
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2), extensions=[
        FixedTimestamp(log_record='when'), FinishAfter(after_n_epochs=2)])
    main_loop.run()
    assert [iteration for iteration in range(5)
            if main_loop.log[iteration].get('when') == 'then'] == [0, 2, 4]


def test_timestamp_is_iso_8601():
    stamp = Timestamp(separator='T').get_timestamp()
    parsed = datetime.datetime.fromisoformat(stamp)
    assert abs(datetime.datetime.now() - parsed) < datetime.timedelta(
        minutes=1)
    assert ' ' in Timestamp().get_timestamp()
    with pytest.raises(ValueError, match="separator must be a single"):
        Timestamp(separator='--')
