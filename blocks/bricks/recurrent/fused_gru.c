/* The gated recurrent (GRU) time loop and its back-propagation through
 * time, for FusedGatedRecurrent and FusedGatedRecurrentGrad in
 * blocks/bricks/recurrent/fused.py (which documents the equations). Needs
 * fused_common.c.
 *
 * Shapes: T steps, B sequences, d units; the order of steps and of the
 * stored states is as in fused_lstm.c. The saved buffer keeps, for every
 * step, [update gate u | reset gate r | candidate | h_prev * r],
 * (T, B, 4d): the last slice is the left operand of the candidate's
 * product, kept so that the gradient of state_to_state is one product.
 */
#ifndef BLOCKS_FUSED_GRU_C
#define BLOCKS_FUSED_GRU_C

/* The gates of one sequence; on entry u and r hold h_prev state_to_gates. */
template <typename real>
static inline void blk_gru_gates_row(
    int d, const real* __restrict__ gate_inputs, real* __restrict__ u,
    real* __restrict__ r, real* __restrict__ reset_states,
    const real* __restrict__ h_prev)
{
    for (int j = 0; j < d; j++) {
        const real reset = blk_sigmoid(r[j] + gate_inputs[d + j]);
        u[j] = blk_sigmoid(u[j] + gate_inputs[j]);
        r[j] = reset;
        reset_states[j] = h_prev[j] * reset;
    }
}

/* The new state of one sequence; on entry cand holds
 * (h_prev * r) state_to_state. */
template <typename real>
static inline void blk_gru_state_row(
    int d, const real m, const real* __restrict__ x,
    const real* __restrict__ u, real* __restrict__ cand,
    const real* __restrict__ h_prev, real* __restrict__ h_next)
{
    for (int j = 0; j < d; j++) {
        const real candidate = blk_tanh(cand[j] + x[j]);
        cand[j] = candidate;
        h_next[j] = u[j] * candidate + (1 - u[j]) * h_prev[j];
    }
    if (m != 1)
        for (int j = 0; j < d; j++)
            h_next[j] = m * h_next[j] + (1 - m) * h_prev[j];
}

template <typename real>
static void blk_gru_forward_loop(
    int T, int B, int d, bool reverse, const real* x, const real* gx,
    const blk_weights<real>& w_state, const blk_weights<real>& w_gates,
    const real* mask, real* h, real* saved)
{
    const npy_intp step = (npy_intp) B * d;
    for (int k = 0; k < T; k++) {
        const int t = reverse ? T - 1 - k : k;
        real* s = saved + 4 * k * step;
        real* h_prev = h + k * step;
        w_gates.multiply(B, h_prev, d, s, 4 * d, false);
        for (int b = 0; b < B; b++) {
            real* s_b = s + 4 * (npy_intp) b * d;
            blk_gru_gates_row<real>(
                d, gx + 2 * (t * step + (npy_intp) b * d), s_b, s_b + d,
                s_b + 3 * d, h_prev + (npy_intp) b * d);
        }
        w_state.multiply(B, s + 3 * d, 4 * d, s + 2 * d, 4 * d, false);
        for (int b = 0; b < B; b++) {
            const npy_intp row = (npy_intp) b * d;
            real* s_b = s + 4 * row;
            blk_gru_state_row<real>(
                d, mask == NULL ? 1 : mask[(npy_intp) t * B + b],
                x + t * step + row, s_b, s_b + 2 * d, h_prev + row,
                h_prev + step + row);
        }
    }
}

/* Back through the new state of one sequence: the gradients of the
 * candidate's and the update gate's pre-activations; dh becomes the
 * gradient with respect to h_prev except for the terms through the reset
 * gate and the two products, which the caller adds. */
template <typename real>
static inline void blk_gru_state_backward_row(
    int d, const real m, const real* __restrict__ u,
    const real* __restrict__ cand, const real* __restrict__ h_prev,
    const real* __restrict__ dh_given, real* __restrict__ dh,
    real* __restrict__ dx, real* __restrict__ dg_update)
{
    for (int j = 0; j < d; j++) {
        const real dh_new = m * dh[j];
        const real d_update = dh_new * (cand[j] - h_prev[j]);
        dx[j] = dh_new * u[j] * (1 - cand[j] * cand[j]);
        dg_update[j] = d_update * u[j] * (1 - u[j]);
        dh[j] = (1 - m) * dh[j] + dh_new * (1 - u[j]) + dh_given[j];
    }
}

/* Back through the reset gate: d_reset_states is the gradient with
 * respect to h_prev * r. */
template <typename real>
static inline void blk_gru_reset_backward_row(
    int d, const real* __restrict__ r, const real* __restrict__ h_prev,
    const real* __restrict__ d_reset_states, real* __restrict__ dh,
    real* __restrict__ dg_reset)
{
    for (int j = 0; j < d; j++) {
        const real d_reset = d_reset_states[j] * h_prev[j];
        dg_reset[j] = d_reset * r[j] * (1 - r[j]);
        dh[j] += d_reset_states[j] * r[j];
    }
}

template <typename real>
static void blk_gru_backward_loop(
    int T, int B, int d, bool reverse,
    const blk_weights<real>& w_state_transposed,
    const blk_weights<real>& w_gates_transposed, const real* mask,
    const real* h, const real* saved,
    const real* dh_given, real* dx, real* dg, real* dh, real* dw_state,
    real* dw_gates, real* d_reset_states)
{
    const npy_intp step = (npy_intp) B * d;
    memcpy(dh, dh_given + T * step, step * sizeof(real));
    if (reverse) {
        memset(dw_state, 0, (npy_intp) d * d * sizeof(real));
        memset(dw_gates, 0, (npy_intp) d * 2 * d * sizeof(real));
    }
    for (int k = T - 1; k >= 0; k--) {
        const int t = reverse ? T - 1 - k : k;
        const real* s = saved + 4 * k * step;
        const real* h_prev = h + k * step;
        real* dx_t = dx + t * step;
        real* dg_t = dg + 2 * t * step;
        for (int b = 0; b < B; b++) {
            const npy_intp row = (npy_intp) b * d;
            const real* s_b = s + 4 * row;
            blk_gru_state_backward_row<real>(
                d, mask == NULL ? 1 : mask[(npy_intp) t * B + b], s_b,
                s_b + 2 * d, h_prev + row, dh_given + k * step + row,
                dh + row, dx_t + row, dg_t + 2 * row);
        }
        w_state_transposed.multiply(B, dx_t, d, d_reset_states, d, false);
        for (int b = 0; b < B; b++) {
            const npy_intp row = (npy_intp) b * d;
            blk_gru_reset_backward_row<real>(
                d, s + 4 * row + d, h_prev + row, d_reset_states + row,
                dh + row, dg_t + 2 * row + d);
        }
        w_gates_transposed.multiply(B, dg_t, 2 * d, dh, d, true);
        /* Reversed, the saved steps and the time-ordered gradients are in
         * opposite orders: accumulate the weight gradients step by step. */
        if (reverse) {
            blk_gemm('T', 'N', d, d, B, 1, s + 3 * d, 4 * d, dx_t, d, 1,
                     dw_state, d);
            blk_gemm('T', 'N', d, 2 * d, B, 1, h_prev, d, dg_t, 2 * d, 1,
                     dw_gates, 2 * d);
        }
    }
    if (!reverse) {
        blk_gemm('T', 'N', d, d, T * B, 1, saved + 3 * d, 4 * d, dx, d, 0,
                 dw_state, d);
        blk_gemm('T', 'N', d, 2 * d, T * B, 1, h, d, dg, 2 * d, 0, dw_gates,
                 2 * d);
    }
}

template <typename real>
static int blk_gru_forward(
    const char* op, int reverse, PyArrayObject* inputs_,
    PyArrayObject* gate_inputs_, PyArrayObject* states_,
    PyArrayObject* w_state_, PyArrayObject* w_gates_, PyArrayObject* mask_,
    PyArrayObject** all_states, PyArrayObject** saved)
{
    blk_input<real> inputs(inputs_), gate_inputs(gate_inputs_),
        states(states_), w_state(w_state_), w_gates(w_gates_), mask(mask_);
    if (!inputs.array || !gate_inputs.array || !states.array
        || !w_state.array || !w_gates.array || (mask_ && !mask.array))
        return -1;
    const npy_intp T = inputs.dim(0), B = inputs.dim(1);
    const npy_intp d = states.dim(1);
    if (blk_check_2d(op, "initial_states", states.array, B, d,
                     "(batch, dim) with batch from the inputs")
        || blk_check_3d(op, "inputs", inputs.array, T, B, d,
                        "(time, batch, dim) with dim from the initial "
                        "states")
        || blk_check_3d(op, "gate_inputs", gate_inputs.array, T, B, 2 * d,
                        "(time, batch, 2 * dim) like the inputs")
        || blk_check_2d(op, "state_to_state", w_state.array, d, d,
                        "(dim, dim) with dim from the initial states")
        || blk_check_2d(op, "state_to_gates", w_gates.array, d, 2 * d,
                        "(dim, 2 * dim) with dim from the initial states")
        || (mask_ && blk_check_2d(op, "mask", mask.array, T, B,
                                  "(time, batch) like the inputs"))
        || blk_check_size(op, (T + 1) * B * 4 * d))
        return -1;
    real* h = blk_output<real>(all_states, 3, T + 1, B, d);
    real* s = h ? blk_output<real>(saved, 3, T, B, 4 * d) : NULL;
    if (s == NULL)
        return -1;
    blk_weights<real> state_weights, gate_weights;
    if (state_weights.init(w_state.data(), d, d, d, false)
        || gate_weights.init(w_gates.data(), 2 * d, d, 2 * d, false))
        return -1;
    memcpy(h, states.data(), B * d * sizeof(real));
    blk_gru_forward_loop<real>(T, B, d, reverse, inputs.data(),
                               gate_inputs.data(), state_weights,
                               gate_weights, mask.data(), h, s);
    return 0;
}

template <typename real>
static int blk_gru_backward(
    const char* op, int reverse, PyArrayObject* w_state_,
    PyArrayObject* w_gates_, PyArrayObject* mask_,
    PyArrayObject* all_states_, PyArrayObject* saved_,
    PyArrayObject* grad_states_, PyArrayObject** grad_inputs,
    PyArrayObject** grad_gate_inputs, PyArrayObject** grad_initial_states,
    PyArrayObject** grad_w_state, PyArrayObject** grad_w_gates)
{
    blk_input<real> w_state(w_state_), w_gates(w_gates_), mask(mask_),
        h(all_states_), saved(saved_), dh_given(grad_states_);
    if (!w_state.array || !w_gates.array || !h.array || !saved.array
        || !dh_given.array || (mask_ && !mask.array))
        return -1;
    const npy_intp T = saved.dim(0), B = saved.dim(1), d = h.dim(2);
    if (blk_check_3d(op, "states", h.array, T + 1, B, d,
                     "(time + 1, batch, dim)")
        || blk_check_3d(op, "saved", saved.array, T, B, 4 * d,
                        "(time, batch, 4 * dim)")
        || blk_check_3d(op, "gradient of the states", dh_given.array, T + 1,
                        B, d, "(time + 1, batch, dim) like the states")
        || blk_check_2d(op, "state_to_state", w_state.array, d, d,
                        "(dim, dim)")
        || blk_check_2d(op, "state_to_gates", w_gates.array, d, 2 * d,
                        "(dim, 2 * dim)")
        || (mask_ && blk_check_2d(op, "mask", mask.array, T, B,
                                  "(time, batch)"))
        || blk_check_size(op, (T + 1) * B * 4 * d))
        return -1;
    real* dx = blk_output<real>(grad_inputs, 3, T, B, d);
    real* dg = dx ? blk_output<real>(grad_gate_inputs, 3, T, B, 2 * d) : NULL;
    real* dh = dg ? blk_output<real>(grad_initial_states, 2, B, d) : NULL;
    real* dw_state = dh ? blk_output<real>(grad_w_state, 2, d, d) : NULL;
    real* dw_gates = dw_state ? blk_output<real>(grad_w_gates, 2, d, 2 * d)
                              : NULL;
    blk_weights<real> state_weights, gate_weights;
    if (dw_gates == NULL
        || state_weights.init(w_state.data(), d, d, d, true)
        || gate_weights.init(w_gates.data(), 2 * d, 2 * d, d, true))
        return -1;
    real* d_reset_states = (real*) PyMem_Malloc((B * d + 1) * sizeof(real));
    if (d_reset_states == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    blk_gru_backward_loop<real>(T, B, d, reverse, state_weights,
                                gate_weights, mask.data(), h.data(),
                                saved.data(), dh_given.data(), dx, dg, dh,
                                dw_state, dw_gates, d_reset_states);
    PyMem_Free(d_reset_states);
    return 0;
}

#endif
