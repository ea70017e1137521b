import pickle

import pytest

from blocks.extensions import (CallbackName, FinishAfter, SimpleExtension,
                               TrainingExtension)
from blocks.extensions.predicates import OnLogRecord
from blocks.log import TrainingLog
from blocks.main_loop import MainLoop
from tests.extensions import (CallbackRecorder, FakeAlgorithm, Recorder,
                              WriteRecord, examples_stream)


def run_three_epochs(*extensions):
    """Train on 4 examples per epoch for 3 epochs (12 batches)."""
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(4),
                         extensions=[FinishAfter(after_n_epochs=3)] +
                         list(extensions))
    main_loop.run()
    return main_loop


def when(recorder):
    """The (callback, iterations done, epochs done) of each call."""
    return [call[:3] for call in recorder.calls]


@pytest.mark.parametrize('trigger, expected', [
    ({'before_training': True}, [('before_training', 0, 0)]),
    ({'before_first_epoch': True}, [('before_epoch', 0, 0)]),
    ({'before_epoch': True}, [('before_epoch', 0, 0), ('before_epoch', 4, 1),
                              ('before_epoch', 8, 2)]),
    ({'after_epoch': True}, [('after_epoch', 4, 1), ('after_epoch', 8, 2),
                             ('after_epoch', 12, 3)]),
    ({'after_training': True}, [('after_training', 12, 3)]),
    ({'after_n_epochs': 2}, [('after_epoch', 8, 2)]),
    ({'every_n_epochs': 2}, [('after_epoch', 8, 2)]),
    ({'after_n_batches': 5}, [('after_batch', 5, 1)]),
    ({'every_n_batches': 5}, [('after_batch', 5, 1), ('after_batch', 10, 2)]),
    ({'on_resumption': True, 'on_interrupt': True, 'on_error': True}, []),
])
def test_triggers(trigger, expected):
    recorder = Recorder(**trigger)
    run_three_epochs(recorder)
    assert when(recorder) == expected


def test_batch_triggers_pass_the_batch():
    recorder = Recorder(before_batch=True, after_batch=True)
    run_three_epochs(recorder)
    assert len(recorder.calls) == 24
    assert recorder.calls[0] == ('before_batch', 0, 0, ({'data': 0},))
    assert recorder.calls[1] == ('after_batch', 1, 0, ({'data': 0},))
    assert recorder.calls[-1] == ('after_batch', 12, 2, ({'data': 3},))


def test_false_triggers_add_no_condition():
    recorder = Recorder(after_epoch=False, after_batch=None,
                        every_n_batches=None)
    run_three_epochs(recorder)
    assert recorder.calls == []


def test_add_condition_with_arguments_and_predicate():
    recorder = Recorder().add_condition(
        ['after_epoch'], arguments=('from user',)).add_condition(
        ['after_batch'], predicate=OnLogRecord('flag'), arguments=[1, 2])
    flag = WriteRecord('flag', [False, False, True], after_batch=True)
    run_three_epochs(flag, recorder)
    assert recorder.calls[0] == ('after_batch', 3, 0, ({'data': 2}, 1, 2))
    assert recorder.calls[1:] == [
        ('after_epoch', 4, 1, ('from user',)),
        ('after_epoch', 8, 2, ('from user',)),
        ('after_epoch', 12, 3, ('from user',))]
    from_main_loop, from_user = SimpleExtension.parse_args(
        'after_batch', recorder.calls[0][3])
    assert from_main_loop == ({'data': 2},) and from_user == (1, 2)


def test_set_conditions_replaces_conditions():
    recorder = Recorder(after_batch=True)
    assert recorder.set_conditions(after_n_epochs=1) is recorder
    run_three_epochs(recorder)
    assert when(recorder) == [('after_epoch', 4, 1)]


def test_several_matching_conditions_call_do_several_times():
    recorder = Recorder(after_epoch=True, every_n_epochs=3)
    run_three_epochs(recorder)
    assert [call[1] for call in recorder.calls] == [4, 8, 12, 12]


@pytest.mark.parametrize('kwargs, error, message', [
    ({'after_epochs': True}, TypeError,
     r"unknown arguments \['after_epochs'\]; the triggers of simple "
     r"extensions are after_batch, after_epoch"),
    ({'every_n_batches': 0}, ValueError,
     'every_n_batches must be a positive integer or None, got 0'),
    ({'after_n_epochs': -2}, ValueError, 'got -2'),
    ({'every_n_epochs': 1.5}, ValueError, 'got 1.5'),
    ({'after_n_batches': True}, ValueError, 'got True'),
    ({'before_training': 'yes'}, TypeError,
     "before_training must be True or False, got 'yes'"),
])
def test_invalid_triggers(kwargs, error, message):
    with pytest.raises(error, match=message) as excinfo:
        Recorder(**kwargs)
    assert 'Recorder' in str(excinfo.value)


def test_set_conditions_rejects_unknown_triggers():
    with pytest.raises(TypeError, match="Recorder 'Recorder': unknown "
                       "trigger 'after_epochs'; expected one of after_batch"):
        Recorder().set_conditions(after_epochs=True)


def test_unknown_argument_of_an_extension():
    with pytest.raises(TypeError, match=r"CallbackRecorder: unknown "
                       r"arguments \['after_epoch'\]"):
        CallbackRecorder(after_epoch=True)


def test_add_condition_checks_its_arguments():
    with pytest.raises(ValueError, match="'after_btch' is not the name of a "
                       "callback; expected one of before_training"):
        Recorder().add_condition(['after_btch'])
    with pytest.raises(TypeError, match='callbacks_names must be a list'):
        Recorder().add_condition('after_batch')
    with pytest.raises(TypeError, match='predicate must be callable'):
        Recorder().add_condition(['after_batch'], predicate=True)


def test_callback_name():
    name = CallbackName('after_batch')
    assert name == 'after_batch'
    assert name != 'after_epoch'
    assert 'after_batch' == name
    with pytest.raises(TypeError, match="'after_bacth' is not the name"):
        name == 'after_bacth'
    assert {name: 1}['after_batch'] == 1


def test_training_extension_name_and_main_loop():
    assert Recorder().name == 'Recorder'
    assert Recorder(name='monitor').name == 'monitor'
    with pytest.raises(ValueError, match="Recorder 'monitor': main_loop is "
                       "not set; pass the extension to a MainLoop"):
        Recorder(name='monitor').main_loop
    with pytest.raises(TypeError, match='name must be a string'):
        Recorder(name=3)


def test_training_extension_callbacks_are_dispatched_by_name():
    recorder = CallbackRecorder()
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(2),
                         extensions=[FinishAfter(after_n_epochs=1),
                                     recorder])
    main_loop.run()
    assert recorder.callbacks == [
        'before_training', 'before_epoch', 'before_batch', 'after_batch',
        'before_batch', 'after_batch', 'after_epoch', 'after_training']
    assert isinstance(TrainingExtension(), TrainingExtension)


def test_extensions_with_conditions_pickle():
    recorder = Recorder(every_n_batches=2).add_condition(
        ['after_epoch'], predicate=OnLogRecord('flag'), arguments=('x',))
    copy = pickle.loads(pickle.dumps(recorder))
    log = TrainingLog()
    log.status['iterations_done'] = 4
    assert [predicate(log) for _, predicate, _ in copy._conditions] == \
        [True, False]
