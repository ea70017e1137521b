import pickle

from blocks.extensions import CompositeExtension, FinishAfter
from blocks.main_loop import MainLoop
from tests.extensions import FakeAlgorithm, Recorder, examples_stream


class OwnRecorder(CompositeExtension):
    """A composite that also records its own calls."""
    def __init__(self, sub_extensions, **kwargs):
        super().__init__(sub_extensions, **kwargs)
        self.calls = []

    def do(self, which_callback, *args):
        self.calls.append((str(which_callback),
                           [len(child.calls)
                            for child in self.sub_extensions]))


def test_sub_extensions_run_in_order_on_their_own_triggers():
    first = Recorder(after_epoch=True)
    second = Recorder(every_n_batches=2)
    composite = OwnRecorder([first, second], after_epoch=True)
    after = OwnRecorder([Recorder(after_epoch=True)], after_epoch=True,
                        run_before_children=False)
    main_loop = MainLoop(FakeAlgorithm(), examples_stream(3), extensions=[
        composite, after, FinishAfter(after_n_epochs=2)])
    main_loop.run()
    assert [call[:3] for call in first.calls] == [
        ('after_epoch', 3, 1), ('after_epoch', 6, 2)]
    assert [call[:2] for call in second.calls] == [
        ('after_batch', 2), ('after_batch', 4), ('after_batch', 6)]
    # The parent runs before its children by default, after when asked.
    assert composite.calls == [('after_epoch', [0, 1]),
                               ('after_epoch', [1, 3])]
    assert after.calls == [('after_epoch', [1]), ('after_epoch', [2])]
    assert first.main_loop is main_loop
    copy = pickle.loads(pickle.dumps(main_loop))
    assert copy.extensions[0].sub_extensions[0].main_loop is copy


def test_sub_extensions_must_be_extensions():
    import pytest
    with pytest.raises(TypeError, match=r"CompositeExtension: "
                       r"sub_extensions must be TrainingExtension "
                       r"instances; sub-extension 1 is 3"):
        CompositeExtension([FinishAfter(), 3])
