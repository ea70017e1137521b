import io
import pickle

import pytest

from blocks.utils.profile import Profile, Timer


def test_timers_nest_and_accumulate():
    profile = Profile()
    for _ in range(2):
        with Timer('training', profile):
            with Timer('epoch', profile):
                pass
            with Timer('epoch', profile):
                pass
    assert list(profile.total) == [('training', 'epoch'), ('training',)]
    assert profile.total[('training',)] >= profile.total[('training',
                                                          'epoch')] >= 0
    assert profile.current == []


def test_timer_records_time_when_an_exception_is_raised():
    profile = Profile()
    with pytest.raises(KeyError):
        with Timer('read_data', profile):
            raise KeyError('no data')
    assert ('read_data',) in profile.total and profile.current == []


def test_report():
    profile = Profile()
    profile.order = {('training',): 0, ('training', 'read_data'): 1,
                     ('training', 'train'): 2, ('after_training',): 3}
    profile.total.update({('training',): 6., ('training', 'read_data'): 1.,
                          ('training', 'train'): 3., ('after_training',): 2.})
    output = io.StringIO()
    profile.report(output)
    assert output.getvalue().splitlines() == [
        'Section                                  Time     % of total',
        60 * '-',
        'Training                                 6.00         75.00%',
        '  Read data                              1.00         12.50%',
        '  Train                                  3.00         37.50%',
        '  Other                                  2.00         25.00%',
        'After training                           2.00         25.00%']


def test_report_without_timings():
    output = io.StringIO()
    Profile().report(output)
    assert output.getvalue().splitlines()[-1] == \
        'No profile information collected.'


def test_profile_pickles_without_running_timers():
    profile = Profile()
    with Timer('training', profile):
        with Timer('epoch', profile):
            copy = pickle.loads(pickle.dumps(profile))
    assert copy.current == []
    with Timer('training', copy):
        pass
    assert ('training',) in copy.total


def test_errors():
    with pytest.raises(ValueError, match='Profile.exit: no timer is running'):
        Profile().exit(1.)
    with pytest.raises(TypeError, match="Timer 'train': profile must be a "
                       "Profile, got None"):
        Timer('train', None)
