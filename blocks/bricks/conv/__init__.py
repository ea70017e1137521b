"""Convolutional bricks: convolutions, pooling and their sequences.

Images are 4-tensors ``(batch, channels, rows, columns)``. The bricks
compute static dimensions, ``(channels, rows, columns)``, from their
configuration (``get_dim``), so that a :class:`ConvolutionalSequence`
configures each layer from the previous one and an MLP on top can be given
the size of the flattened feature maps.

On the CPU, Aesara computes convolutions with ``CorrMM`` (im2col and a
GEMM), which ``import blocks`` corrects for Aesara 2.9.4
(:mod:`blocks.bricks.conv_fix`).

"""
from blocks.bricks.conv.convolutional import (
    Convolutional, ConvolutionalTranspose, Flattener, InputCheck)
from blocks.bricks.conv.pooling import AveragePooling, MaxPooling, Pooling
from blocks.bricks.conv.sequences import (
    ConvolutionalActivation, ConvolutionalLayer, ConvolutionalSequence)

__all__ = ['Convolutional', 'ConvolutionalTranspose', 'Flattener',
           'InputCheck', 'Pooling', 'MaxPooling', 'AveragePooling',
           'ConvolutionalSequence', 'ConvolutionalActivation',
           'ConvolutionalLayer']
