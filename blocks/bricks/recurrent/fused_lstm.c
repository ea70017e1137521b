/* The LSTM time loop and its back-propagation through time, for FusedLSTM
 * and FusedLSTMGrad in blocks/bricks/recurrent/fused.py (which documents
 * the equations). Needs fused_common.c.
 *
 * Shapes: T steps, B sequences, d units. Step k (k = 0 .. T-1) reads the
 * inputs and mask at time t = k, or t = T-1-k when reversed; states and
 * cells are stored in the order of the steps, index 0 holding the initial
 * ones. The gates buffer keeps, for every step, the activations of the
 * input gate, forget gate, cell candidate and output gate, side by side
 * as in the inputs: [i | f | z | o], (T, B, 4d).
 */
#ifndef BLOCKS_FUSED_LSTM_C
#define BLOCKS_FUSED_LSTM_C

/* One sequence of one step. On entry the gate slices hold h_prev W_state;
 * on exit, the activations. */
template <typename real, bool peepholes>
static inline void blk_lstm_forward_row(
    int d, const real m, const real* __restrict__ x,
    real* __restrict__ g_in, real* __restrict__ g_forget,
    real* __restrict__ g_cand, real* __restrict__ g_out,
    const real* __restrict__ h_prev, const real* __restrict__ c_prev,
    real* __restrict__ h_next, real* __restrict__ c_next,
    const real* __restrict__ p_in, const real* __restrict__ p_forget,
    const real* __restrict__ p_out)
{
    for (int j = 0; j < d; j++) {
        real a_in = g_in[j] + x[j];
        real a_forget = g_forget[j] + x[d + j];
        const real a_cand = g_cand[j] + x[2 * d + j];
        real a_out = g_out[j] + x[3 * d + j];
        if (peepholes) {
            a_in += c_prev[j] * p_in[j];
            a_forget += c_prev[j] * p_forget[j];
        }
        const real in = blk_sigmoid(a_in);
        const real forget = blk_sigmoid(a_forget);
        const real cand = blk_tanh(a_cand);
        const real cell = forget * c_prev[j] + in * cand;
        if (peepholes)
            a_out += cell * p_out[j];
        const real out = blk_sigmoid(a_out);
        g_in[j] = in;
        g_forget[j] = forget;
        g_cand[j] = cand;
        g_out[j] = out;
        c_next[j] = cell;
        h_next[j] = out * blk_tanh(cell);
    }
    if (m != 1) {
        for (int j = 0; j < d; j++) {
            c_next[j] = m * c_next[j] + (1 - m) * c_prev[j];
            h_next[j] = m * h_next[j] + (1 - m) * h_prev[j];
        }
    }
}

template <typename real, bool peepholes>
static void blk_lstm_forward_loop(
    int T, int B, int d, bool reverse, const real* x,
    const blk_weights<real>& w, const real* p_in, const real* p_forget,
    const real* p_out, const real* mask, real* h, real* c, real* gates)
{
    const npy_intp step = (npy_intp) B * d;
    const npy_intp gate_step = 4 * step;
    for (int k = 0; k < T; k++) {
        const int t = reverse ? T - 1 - k : k;
        real* g = gates + k * gate_step;
        real* h_prev = h + k * step;
        real* c_prev = c + k * step;
        w.multiply(B, h_prev, d, g, 4 * d, false);
        for (int b = 0; b < B; b++) {
            real* g_b = g + (npy_intp) b * 4 * d;
            blk_lstm_forward_row<real, peepholes>(
                d, mask == NULL ? 1 : mask[(npy_intp) t * B + b],
                x + t * gate_step + (npy_intp) b * 4 * d,
                g_b, g_b + d, g_b + 2 * d, g_b + 3 * d,
                h_prev + (npy_intp) b * d, c_prev + (npy_intp) b * d,
                h_prev + step + (npy_intp) b * d,
                c_prev + step + (npy_intp) b * d,
                p_in, p_forget, p_out);
        }
    }
}

/* One sequence of one backward step. On entry dh and dc hold the
 * gradients with respect to the states and cells after the step; on exit,
 * with respect to those before it, except for the product of the
 * pre-activation gradients with W_state^T that the caller adds. */
template <typename real, bool peepholes>
static inline void blk_lstm_backward_row(
    int d, const real m,
    const real* __restrict__ g_in, const real* __restrict__ g_forget,
    const real* __restrict__ g_cand, const real* __restrict__ g_out,
    const real* __restrict__ c_prev,
    const real* __restrict__ dh_given, const real* __restrict__ dc_given,
    real* __restrict__ dh, real* __restrict__ dc,
    real* __restrict__ da_in, real* __restrict__ da_forget,
    real* __restrict__ da_cand, real* __restrict__ da_out,
    const real* __restrict__ p_in, const real* __restrict__ p_forget,
    const real* __restrict__ p_out, real* __restrict__ dp_in,
    real* __restrict__ dp_forget, real* __restrict__ dp_out)
{
    for (int j = 0; j < d; j++) {
        const real in = g_in[j], forget = g_forget[j];
        const real cand = g_cand[j], out = g_out[j];
        /* The cell before masking, recomputed rather than stored. */
        const real cell = forget * c_prev[j] + in * cand;
        const real tanh_cell = blk_tanh(cell);
        const real dh_new = m * dh[j];
        const real d_out = dh_new * tanh_cell * out * (1 - out);
        real dcell = m * dc[j] + dh_new * out * (1 - tanh_cell * tanh_cell);
        if (peepholes)
            dcell += d_out * p_out[j];
        const real d_in = dcell * cand * in * (1 - in);
        const real d_forget = dcell * c_prev[j] * forget * (1 - forget);
        const real d_cand = dcell * in * (1 - cand * cand);
        real dc_prev = dcell * forget + (1 - m) * dc[j] + dc_given[j];
        if (peepholes) {
            dc_prev += d_in * p_in[j] + d_forget * p_forget[j];
            dp_in[j] += d_in * c_prev[j];
            dp_forget[j] += d_forget * c_prev[j];
            dp_out[j] += d_out * cell;
        }
        da_in[j] = d_in;
        da_forget[j] = d_forget;
        da_cand[j] = d_cand;
        da_out[j] = d_out;
        dc[j] = dc_prev;
        dh[j] = (1 - m) * dh[j] + dh_given[j];
    }
}

template <typename real, bool peepholes>
static void blk_lstm_backward_loop(
    int T, int B, int d, bool reverse, const blk_weights<real>& w_transposed,
    const real* p_in, const real* p_forget, const real* p_out,
    const real* mask,
    const real* h, const real* c, const real* gates, const real* dh_given,
    const real* dc_given, real* dx, real* dh, real* dc, real* dw,
    real* dp_in, real* dp_forget, real* dp_out)
{
    const npy_intp step = (npy_intp) B * d;
    const npy_intp gate_step = 4 * step;
    memcpy(dh, dh_given + T * step, step * sizeof(real));
    memcpy(dc, dc_given + T * step, step * sizeof(real));
    if (peepholes) {
        memset(dp_in, 0, d * sizeof(real));
        memset(dp_forget, 0, d * sizeof(real));
        memset(dp_out, 0, d * sizeof(real));
    }
    if (reverse)
        memset(dw, 0, (npy_intp) d * 4 * d * sizeof(real));
    for (int k = T - 1; k >= 0; k--) {
        const int t = reverse ? T - 1 - k : k;
        real* da = dx + t * gate_step;
        for (int b = 0; b < B; b++) {
            const npy_intp row = (npy_intp) b * d;
            const real* g_b = gates + k * gate_step + 4 * row;
            real* da_b = da + 4 * row;
            blk_lstm_backward_row<real, peepholes>(
                d, mask == NULL ? 1 : mask[(npy_intp) t * B + b],
                g_b, g_b + d, g_b + 2 * d, g_b + 3 * d, c + k * step + row,
                dh_given + k * step + row, dc_given + k * step + row,
                dh + row, dc + row,
                da_b, da_b + d, da_b + 2 * d, da_b + 3 * d,
                p_in, p_forget, p_out, dp_in, dp_forget, dp_out);
        }
        w_transposed.multiply(B, da, 4 * d, dh, d, true);
        /* Reversed, the steps' states and the time-ordered gradients are in
         * opposite orders: accumulate dW step by step. */
        if (reverse)
            blk_gemm('T', 'N', d, 4 * d, B, 1, h + k * step, d, da, 4 * d, 1,
                     dw, 4 * d);
    }
    /* dW = sum_k h_k^T da_k, all steps in one product. */
    if (!reverse)
        blk_gemm('T', 'N', d, 4 * d, T * B, 1, h, d, dx, 4 * d, 0, dw, 4 * d);
}

template <typename real>
static int blk_lstm_forward(
    const char* op, int reverse, PyArrayObject* inputs_,
    PyArrayObject* states_, PyArrayObject* cells_, PyArrayObject* w_,
    PyArrayObject* p_in_, PyArrayObject* p_forget_, PyArrayObject* p_out_,
    PyArrayObject* mask_, PyArrayObject** all_states,
    PyArrayObject** all_cells, PyArrayObject** gates)
{
    blk_input<real> inputs(inputs_), states(states_), cells(cells_), w(w_),
        p_in(p_in_), p_forget(p_forget_), p_out(p_out_), mask(mask_);
    if (!inputs.array || !states.array || !cells.array || !w.array
        || (p_in_ && (!p_in.array || !p_forget.array || !p_out.array))
        || (mask_ && !mask.array))
        return -1;
    const npy_intp T = inputs.dim(0), B = inputs.dim(1);
    const npy_intp d = states.dim(1);
    if (blk_check_2d(op, "initial_states", states.array, B, d,
                     "(batch, dim) with batch from the inputs")
        || blk_check_3d(op, "inputs", inputs.array, T, B, 4 * d,
                        "(time, batch, 4 * dim) with dim from the initial "
                        "states")
        || blk_check_2d(op, "initial_cells", cells.array, B, d,
                        "(batch, dim) like the initial states")
        || blk_check_2d(op, "W_state", w.array, d, 4 * d,
                        "(dim, 4 * dim) with dim from the initial states")
        || (p_in_ && (blk_check_1d(op, "W_cell_to_in", p_in.array, d,
                                   "(dim,) with dim from the initial states")
                      || blk_check_1d(op, "W_cell_to_forget", p_forget.array,
                                      d, "(dim,) with dim from the initial "
                                      "states")
                      || blk_check_1d(op, "W_cell_to_out", p_out.array, d,
                                      "(dim,) with dim from the initial "
                                      "states")))
        || (mask_ && blk_check_2d(op, "mask", mask.array, T, B,
                                  "(time, batch) like the inputs"))
        || blk_check_size(op, (T + 1) * B * 4 * d))
        return -1;
    real* h = blk_output<real>(all_states, 3, T + 1, B, d);
    real* c = h ? blk_output<real>(all_cells, 3, T + 1, B, d) : NULL;
    real* g = c ? blk_output<real>(gates, 3, T, B, 4 * d) : NULL;
    if (g == NULL)
        return -1;
    blk_weights<real> weights;
    if (weights.init(w.data(), 4 * d, d, 4 * d, false))
        return -1;
    memcpy(h, states.data(), B * d * sizeof(real));
    memcpy(c, cells.data(), B * d * sizeof(real));
    if (p_in_)
        blk_lstm_forward_loop<real, true>(
            T, B, d, reverse, inputs.data(), weights, p_in.data(),
            p_forget.data(), p_out.data(), mask.data(), h, c, g);
    else
        blk_lstm_forward_loop<real, false>(
            T, B, d, reverse, inputs.data(), weights, NULL, NULL, NULL,
            mask.data(), h, c, g);
    return 0;
}

template <typename real>
static int blk_lstm_backward(
    const char* op, int reverse, PyArrayObject* w_, PyArrayObject* p_in_,
    PyArrayObject* p_forget_, PyArrayObject* p_out_, PyArrayObject* mask_,
    PyArrayObject* all_states_, PyArrayObject* all_cells_,
    PyArrayObject* gates_, PyArrayObject* grad_states_,
    PyArrayObject* grad_cells_, PyArrayObject** grad_inputs,
    PyArrayObject** grad_initial_states, PyArrayObject** grad_initial_cells,
    PyArrayObject** grad_w, PyArrayObject** grad_p_in,
    PyArrayObject** grad_p_forget, PyArrayObject** grad_p_out)
{
    blk_input<real> w(w_), p_in(p_in_), p_forget(p_forget_), p_out(p_out_),
        mask(mask_), h(all_states_), c(all_cells_), gates(gates_),
        dh_given(grad_states_), dc_given(grad_cells_);
    if (!w.array || !h.array || !c.array || !gates.array || !dh_given.array
        || !dc_given.array
        || (p_in_ && (!p_in.array || !p_forget.array || !p_out.array))
        || (mask_ && !mask.array))
        return -1;
    const npy_intp T = gates.dim(0), B = gates.dim(1), d = h.dim(2);
    const char* steps = "(time + 1, batch, dim) like the states";
    if (blk_check_3d(op, "states", h.array, T + 1, B, d, steps)
        || blk_check_3d(op, "gates", gates.array, T, B, 4 * d,
                        "(time, batch, 4 * dim)")
        || blk_check_3d(op, "cells", c.array, T + 1, B, d, steps)
        || blk_check_3d(op, "gradient of the states", dh_given.array, T + 1,
                        B, d, steps)
        || blk_check_3d(op, "gradient of the cells", dc_given.array, T + 1,
                        B, d, steps)
        || blk_check_2d(op, "W_state", w.array, d, 4 * d, "(dim, 4 * dim)")
        || (p_in_ && (blk_check_1d(op, "W_cell_to_in", p_in.array, d,
                                   "(dim,)")
                      || blk_check_1d(op, "W_cell_to_forget", p_forget.array,
                                      d, "(dim,)")
                      || blk_check_1d(op, "W_cell_to_out", p_out.array, d,
                                      "(dim,)")))
        || (mask_ && blk_check_2d(op, "mask", mask.array, T, B,
                                  "(time, batch)"))
        || blk_check_size(op, (T + 1) * B * 4 * d))
        return -1;
    real* dx = blk_output<real>(grad_inputs, 3, T, B, 4 * d);
    real* dh = dx ? blk_output<real>(grad_initial_states, 2, B, d) : NULL;
    real* dc = dh ? blk_output<real>(grad_initial_cells, 2, B, d) : NULL;
    real* dw = dc ? blk_output<real>(grad_w, 2, d, 4 * d) : NULL;
    blk_weights<real> w_transposed;
    if (dw == NULL || w_transposed.init(w.data(), 4 * d, 4 * d, d, true))
        return -1;
    if (p_in_) {
        real* dp_in = blk_output<real>(grad_p_in, 1, d);
        real* dp_forget = dp_in ? blk_output<real>(grad_p_forget, 1, d) : NULL;
        real* dp_out = dp_forget ? blk_output<real>(grad_p_out, 1, d) : NULL;
        if (dp_out == NULL)
            return -1;
        blk_lstm_backward_loop<real, true>(
            T, B, d, reverse, w_transposed, p_in.data(), p_forget.data(),
            p_out.data(), mask.data(), h.data(), c.data(), gates.data(),
            dh_given.data(), dc_given.data(), dx, dh, dc, dw, dp_in,
            dp_forget, dp_out);
    } else {
        blk_lstm_backward_loop<real, false>(
            T, B, d, reverse, w_transposed, NULL, NULL, NULL, mask.data(),
            h.data(), c.data(), gates.data(), dh_given.data(),
            dc_given.data(), dx, dh, dc, dw, NULL, NULL, NULL);
    }
    return 0;
}

#endif
