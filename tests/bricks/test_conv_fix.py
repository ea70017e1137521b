"""The correction of Aesara's CorrMM that ``import blocks`` applies."""
import warnings

import blocks  # noqa: F401 (applies the correction)
from aesara import tensor

from blocks.bricks import conv_fix

with warnings.catch_warnings():
    warnings.simplefilter('ignore', DeprecationWarning)
    from aesara.tensor.nnet import corr


def test_import_blocks_corrects_aesara_corrmm():
    assert corr.CorrMM.make_node is conv_fix.corrected_make_node
    assert conv_fix.make_node_works()
    # Applying it again changes nothing.
    assert conv_fix.correct_corrmm()
    assert corr.CorrMM.make_node is conv_fix.corrected_make_node


def test_aesara_2_9_4_make_node_is_broken_and_gets_corrected():
    class UpstreamCorrMM(corr.CorrMM):
        make_node = conv_fix.UPSTREAM_MAKE_NODE

    assert not conv_fix.make_node_works(UpstreamCorrMM)
    assert conv_fix.correct_corrmm(UpstreamCorrMM)
    assert UpstreamCorrMM.make_node is conv_fix.corrected_make_node
    assert conv_fix.make_node_works(UpstreamCorrMM)


def test_correction_is_off_once_aesara_builds_the_node_itself():
    def working_make_node(self, img, kern):
        return conv_fix.corrected_make_node(self, img, kern)

    class FixedCorrMM(corr.CorrMM):
        make_node = working_make_node

    assert conv_fix.make_node_works(FixedCorrMM)
    assert not conv_fix.correct_corrmm(FixedCorrMM)
    assert FixedCorrMM.make_node is working_make_node


def test_corrected_node_matches_what_aesara_means():
    image = tensor.tensor(dtype='float32', shape=(1, None, None, None))
    filters = tensor.tensor4(dtype='float64')
    output = corr.CorrMM(border_mode='half')(image, filters)
    assert output.type.dtype == 'float64'
    assert output.type.shape == (1, None, None, None)
    node = output.owner
    assert node.inputs[0].dtype == node.inputs[1].dtype == 'float64'


def test_gradient_ops_need_no_correction_but_their_gradients_did():
    # The gradient Ops build their own nodes; their gradients build a
    # CorrMM, which the correction makes possible.
    assert conv_fix.make_node_works(corr.CorrMM_gradWeights)
    assert conv_fix.make_node_works(corr.CorrMM_gradInputs)
    filters, output_gradient = tensor.tensor4(), tensor.tensor4()
    input_gradient = corr.CorrMM_gradInputs()(filters, output_gradient)
    second = input_gradient.owner.op.grad(
        [filters, output_gradient], [tensor.tensor4()])
    assert isinstance(second[1].owner.op, corr.CorrMM)
