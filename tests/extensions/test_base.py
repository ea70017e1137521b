import pickle

import pytest

from blocks.extensions import (CallbackName, FinishAfter, Printing,
                               ProgressBar, SimpleExtension, Timing,
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
                       r"arguments \['after_epochs'\]"):
        CallbackRecorder(after_epochs=True)
    with pytest.raises(TypeError, match=r"CallbackRecorder: takes no "
                       r"triggers, got \['after_epoch'\]; it is not a "
                       r"SimpleExtension"):
        CallbackRecorder(after_epoch=True)
    with pytest.raises(TypeError, match=r"ProgressBar: takes no triggers, "
                       r"got \['every_n_epochs'\]"):
        ProgressBar(every_n_epochs=10)


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


def conditions(extension):
    """The (callback, predicate) pairs of an extension, sorted."""
    return sorted((str(callback_name), getattr(predicate, '__name__',
                                               repr(predicate)))
                  for callback_name, predicate, _ in extension._conditions)


PRINTING_ONCE = [('after_training', 'always_true'),
                 ('before_epoch', 'has_done_epochs'),
                 ('on_interrupt', 'always_true'),
                 ('on_resumption', 'always_true')]


def make_extension(name, **triggers):
    """An extension of each class of blocks.extensions with triggers."""
    from blocks.extensions.monitoring import (DataStreamMonitoring,
                                              TrainingDataMonitoring)
    from blocks.extensions.saveload import Checkpoint
    from blocks.extensions.stopping import FinishIfNoImprovementAfter
    from blocks.extensions.training import (SharedVariableModifier,
                                            TrackTheBest)
    from blocks.utils import shared_floatx
    from tests.extensions import regression_model
    cost = regression_model()[-1]
    factories = {
        'Printing': lambda: Printing(**triggers),
        'Timing': lambda: Timing(**triggers),
        'DataStreamMonitoring': lambda: DataStreamMonitoring(
            [cost], examples_stream(), **triggers),
        'TrainingDataMonitoring': lambda: TrainingDataMonitoring(
            [cost], **triggers),
        'Checkpoint': lambda: Checkpoint('unused.zip', **triggers),
        'FinishAfter': lambda: FinishAfter(**triggers),
        'FinishIfNoImprovementAfter': lambda: FinishIfNoImprovementAfter(
            'cost_best_so_far', epochs=2, **triggers),
        'SharedVariableModifier': lambda: SharedVariableModifier(
            shared_floatx(0.1), abs, num_args=1, **triggers),
        'TrackTheBest': lambda: TrackTheBest('cost', **triggers),
    }
    return factories[name]()


@pytest.mark.parametrize('name, triggers, expected', [
    ('Printing', {}, PRINTING_ONCE + [('after_epoch', 'always_true')]),
    # The trap: every epoch and twice on every 10th.
    ('Printing', {'every_n_epochs': 10},
     PRINTING_ONCE + [('after_epoch', "Predicate('every_n_epochs', 10)")]),
    # A trigger between batches keeps the end-of-epoch report.
    ('Printing', {'every_n_batches': 100},
     PRINTING_ONCE + [('after_batch', "Predicate('every_n_batches', 100)"),
                      ('after_epoch', 'always_true')]),
    ('Printing', {'after_n_epochs': 3},
     PRINTING_ONCE + [('after_epoch', "Predicate('after_n_epochs', 3)")]),
    # Asked for explicitly, both stay.
    ('Printing', {'every_n_epochs': 10, 'after_epoch': True},
     PRINTING_ONCE + [('after_epoch', "Predicate('every_n_epochs', 10)"),
                      ('after_epoch', 'always_true')]),
    # A trigger in the callback of a default trigger replaces it.
    ('Printing', {'before_epoch': True},
     [('after_epoch', 'always_true'), ('after_training', 'always_true'),
      ('before_epoch', 'always_true'), ('on_interrupt', 'always_true'),
      ('on_resumption', 'always_true')]),
    ('Printing', {'after_epoch': False, 'after_training': False},
     [('before_epoch', 'has_done_epochs'), ('on_interrupt', 'always_true'),
      ('on_resumption', 'always_true')]),
    ('Timing', {'every_n_batches': 10},
     [('after_batch', "Predicate('every_n_batches', 10)"),
      ('after_epoch', 'always_true'), ('before_epoch', 'has_done_epochs')]),
    ('DataStreamMonitoring', {'every_n_epochs': 5},
     [('after_epoch', "Predicate('every_n_epochs', 5)"),
      ('before_epoch', 'has_done_epochs')]),
    ('DataStreamMonitoring', {'every_n_batches': 500},
     [('after_batch', "Predicate('every_n_batches', 500)"),
      ('after_epoch', 'always_true'), ('before_epoch', 'has_done_epochs')]),
    ('TrainingDataMonitoring', {'every_n_batches': 2},
     [('after_batch', "Predicate('every_n_batches', 2)"),
      ('before_training', 'always_true')]),
    ('Checkpoint', {'every_n_epochs': 1},
     [('after_epoch', "Predicate('every_n_epochs', 1)"),
      ('after_training', 'always_true')]),
    ('FinishAfter', {'after_n_epochs': 5},
     [('after_epoch', "Predicate('after_n_epochs', 5)")]),
    ('FinishIfNoImprovementAfter', {'every_n_epochs': 1},
     [('after_epoch', "Predicate('every_n_epochs', 1)")]),
    # Decaying a learning rate once per epoch, not also after every batch.
    ('SharedVariableModifier', {'every_n_epochs': 1},
     [('after_epoch', "Predicate('every_n_epochs', 1)")]),
    ('SharedVariableModifier', {'every_n_batches': 100},
     [('after_batch', "Predicate('every_n_batches', 100)")]),
    ('TrackTheBest', {'every_n_batches': 5},
     [('after_batch', "Predicate('every_n_batches', 5)"),
      ('after_epoch', 'always_true')]),
    ('TrackTheBest', {'every_n_epochs': 2},
     [('after_epoch', "Predicate('every_n_epochs', 2)")]),
])
def test_given_triggers_replace_default_triggers_of_their_kind(
        name, triggers, expected):
    extension = make_extension(name, **triggers)
    assert conditions(extension) == sorted(expected)
    assert '_given_triggers' not in vars(extension)
    copy = pickle.loads(pickle.dumps(extension))
    assert conditions(copy) == sorted(expected)
    assert '_given_triggers' not in vars(copy)


def test_printing_every_n_epochs_prints_every_nth_epoch_only(capsys):
    run_three_epochs(Printing(every_n_epochs=2))
    output = capsys.readouterr().out
    assert output.count('BEFORE FIRST EPOCH') == 1
    assert output.count('AFTER ANOTHER EPOCH') == 1
    assert 'epochs_done: 2' in output.split('AFTER ANOTHER EPOCH')[1]
    assert output.count('TRAINING HAS BEEN FINISHED') == 1


def test_triggers_given_as_false_remove_only_themselves():
    printing = Printing(before_first_epoch=False, every_n_epochs=3)
    assert conditions(printing) == [
        ('after_epoch', "Predicate('every_n_epochs', 3)"),
        ('after_training', 'always_true'), ('on_interrupt', 'always_true'),
        ('on_resumption', 'always_true')]
