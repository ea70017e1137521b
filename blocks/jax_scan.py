"""A JAX conversion of Aesara's ``Scan``, the loop of every recurrent brick.

Imported with :mod:`blocks.jax_ops` when a function is first compiled in a
JAX mode, it replaces the conversion of Aesara 2.9.4, which ignores the
loops of gradients (``mit_mot`` outputs), the outputs computed without
taps (``nit_sot``), the shared variables a loop updates and the shortened
buffers Aesara's ``save_mem`` rewrite gives a loop's outputs.

The conversion runs the loop as :func:`jax.lax.fori_loop` over whole
output buffers, the way ``Scan.perform`` does:

- every output with taps (``mit_mot``, ``mit_sot``, ``sit_sot``) is a
  buffer whose initial content is the outer input, read at step ``i`` and
  tap ``t`` at position ``(i + t - min_tap) % length`` and written at the
  position of its output taps, so that a buffer shorter than the loop (the
  ``save_mem`` rewrite keeps only the last steps) wraps around; at the
  end, such a buffer is rotated so that its steps come out in order, and
  a buffer longer than the loop has its unwritten tail set to zero, as
  Aesara does;
- an output without taps (``nit_sot``) is a buffer of the length its outer
  input gives, which JAX must know when it traces the function: it
  usually does, Aesara computing it from shapes, which :mod:`blocks.jax_ops`
  evaluates at trace time;
- shared variables updated by the loop (e.g. the state of a random
  generator) are carried from step to step;
- the number of steps may be known only at run time (e.g. the ``n_steps``
  of a generation given as an input).

The step is the inner graph converted by Aesara's JAX backend (with the
conversions of :mod:`blocks.jax_ops` in it; a loop inside the step is
converted the same way, untested).
Not converted: loops that stop on a condition (``as_while``), whose
outputs' lengths are only known at run time; they raise
``NotImplementedError``, which :func:`~blocks.backend.compile_function`
turns into a :class:`~blocks.backend.BackendError` naming the loop and the
brick that made it.

"""
import jax
from jax import numpy as jnp
from aesara.link.jax.dispatch import jax_funcify
from aesara.scan.op import Scan

__all__ = ['refusal']


def refusal(op):
    """Why a ``Scan`` `op` cannot run under JAX, or None if it can.

    Only the loop itself is judged, not the Ops of its step.

    """
    if op.info.as_while:
        return ('it stops on a condition (a while loop), so the lengths of '
                'its outputs are only known at run time')
    return None


def _concrete_int(value):
    """`value` as an int, or None if JAX only knows it at run time."""
    try:
        return int(value)
    except (jax.errors.TracerIntegerConversionError,
            jax.errors.ConcretizationTypeError):
        return None


def _read(buffer, position):
    return jax.lax.dynamic_index_in_dim(buffer, position, 0, keepdims=False)


def _write(buffer, position, value):
    value = jnp.broadcast_to(jnp.asarray(value, dtype=buffer.dtype),
                             buffer.shape[1:])
    return jax.lax.dynamic_update_index_in_dim(buffer, value, position, 0)


def _like(new, old):
    """`new` with the dtype and shape of `old` (a loop's carry is fixed)."""
    old = jnp.asarray(old)
    return jnp.broadcast_to(jnp.asarray(new, dtype=old.dtype), old.shape)


def _finish(buffer, start, length, n_steps, min_tap):
    """What ``Scan.perform`` returns of an output buffer after the loop.

    A buffer too short for the whole loop is rotated so that its oldest
    step comes first; the part of a longer one the loop did not write is
    zero.

    """
    filled = n_steps - min_tap
    concrete = _concrete_int(n_steps)
    if concrete is not None:
        if length < concrete - min_tap:
            return jnp.roll(buffer, -((start + concrete) % length), axis=0)
        if length > concrete - min_tap:
            return buffer.at[concrete - min_tap:].set(0)
        return buffer
    rolled = jnp.roll(buffer, -((start + n_steps) % length), axis=0)
    unwritten = (jnp.arange(length) >= filled).reshape(
        (length,) + (1,) * (buffer.ndim - 1))
    zeroed = jnp.where(unwritten, jnp.zeros_like(buffer), buffer)
    return jnp.where(length < filled, rolled, zeroed)


@jax_funcify.register(Scan)
def jax_funcify_Scan(op, node=None, **kwargs):
    """``Scan.perform``'s loop as :func:`jax.lax.fori_loop`."""
    reason = refusal(op)
    if reason is not None:
        raise NotImplementedError(
            "No JAX conversion for the given `Op`: {} ({})".format(op, reason))
    info = op.info
    step = jax_funcify(op.fgraph)
    taps = list(info.mit_mot_in_slices + info.mit_sot_in_slices
                + info.sit_sot_in_slices)
    n_taps = len(taps)
    n_nit_sot = info.n_nit_sot
    min_taps = [min(tap_list) for tap_list in taps] + [0] * n_nit_sot
    dtypes = [output.type.dtype for output in node.outputs]

    def scan(n_steps, *outer):
        position = 0
        sequences = outer[position:position + info.n_seqs]
        position += info.n_seqs
        initial = [jnp.asarray(buffer, dtype=dtype) for buffer, dtype in
                   zip(outer[position:position + n_taps], dtypes)]
        position += n_taps
        shared = list(outer[position:position + info.n_shared_outs])
        position += info.n_shared_outs
        sizes = outer[position:position + n_nit_sot]
        non_sequences = list(outer[position + n_nit_sot:])

        lengths = [buffer.shape[0] for buffer in initial]
        for index, size in enumerate(sizes):
            length = _concrete_int(size)
            if length is None:
                raise NotImplementedError(
                    "No JAX conversion for the given `Op`: {} (the length "
                    "of its output {} is only known at run time)".format(
                        op, n_taps + index))
            lengths.append(length)
        starts = [(-min_tap) % length if length else 0
                  for min_tap, length in zip(min_taps, lengths)]

        def step_outputs(i, buffers, shared):
            inputs = [_read(sequence, i) for sequence in sequences]
            for buffer, tap_list, start, length in zip(buffers, taps, starts,
                                                       lengths):
                inputs.extend(_read(buffer, (start + i + tap) % length)
                              for tap in tap_list)
            return list(step(*(inputs + list(shared) + non_sequences)))

        def body(i, carry):
            buffers, computed, shared = carry
            outputs = step_outputs(i, buffers, shared)
            buffers, computed = list(buffers), list(computed)
            index = 0
            for group, out_taps in enumerate(info.mit_mot_out_slices):
                for tap in out_taps:
                    buffers[group] = _write(
                        buffers[group],
                        (starts[group] + i + tap) % lengths[group],
                        outputs[index])
                    index += 1
            for group in range(info.n_mit_mot, n_taps):
                buffers[group] = _write(
                    buffers[group], (starts[group] + i) % lengths[group],
                    outputs[index])
                index += 1
            for group in range(n_nit_sot):
                computed[group] = _write(
                    computed[group], i % lengths[n_taps + group],
                    outputs[index])
                index += 1
            shared = [jax.tree_util.tree_map(_like, new, old) for new, old
                      in zip(outputs[index:index + len(shared)], shared)]
            return buffers, computed, shared

        shared = [jax.tree_util.tree_map(jnp.asarray, value)
                  for value in shared]
        # The shapes of the outputs without taps: those of a step.
        shapes = jax.eval_shape(step_outputs, 0, initial, shared)
        first_computed = info.n_mit_mot_outs + info.n_mit_sot + info.n_sit_sot
        computed = [
            jnp.zeros((length,) + shapes[first_computed + index].shape,
                      dtype=dtypes[n_taps + index])
            for index, length in enumerate(lengths[n_taps:])]
        buffers, computed, shared = jax.lax.fori_loop(
            0, n_steps, body, (initial, computed, shared))

        finished = list(buffers[:info.n_mit_mot])
        for group, buffer in enumerate(list(buffers[info.n_mit_mot:])
                                       + list(computed)):
            group += info.n_mit_mot
            finished.append(_finish(buffer, starts[group], lengths[group],
                                    n_steps, min_taps[group]))
        concrete = _concrete_int(n_steps)
        if concrete == 0:
            # Scan.perform returns the initial buffers untouched.
            finished[info.n_mit_mot:n_taps] = initial[info.n_mit_mot:]
        elif concrete is None:
            finished[info.n_mit_mot:n_taps] = [
                jnp.where(n_steps == 0, start, end) for start, end in
                zip(initial[info.n_mit_mot:], finished[info.n_mit_mot:n_taps])]
        results = finished + list(shared)
        return results[0] if len(results) == 1 else tuple(results)

    return scan
