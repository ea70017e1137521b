/* The simple recurrent time loop and its back-propagation through time,
 * for FusedSimpleRecurrent and FusedSimpleRecurrentGrad in
 * blocks/bricks/recurrent/fused.py (which documents the equations). Needs
 * fused_common.c.
 *
 * Shapes: T steps, B sequences, d units; the order of steps and of the
 * stored states is as in fused_lstm.c. The saved buffer keeps every step's
 * activations before masking, (T, B, d).
 */
#ifndef BLOCKS_FUSED_SIMPLE_C
#define BLOCKS_FUSED_SIMPLE_C

/* On entry y holds h_prev W. */
template <int activation, typename real>
static inline void blk_simple_forward_row(
    int d, const real m, const real* __restrict__ x, real* __restrict__ y,
    const real* __restrict__ h_prev, real* __restrict__ h_next)
{
    for (int j = 0; j < d; j++) {
        const real value = blk_activate<activation>(y[j] + x[j]);
        y[j] = value;
        h_next[j] = value;
    }
    if (m != 1)
        for (int j = 0; j < d; j++)
            h_next[j] = m * h_next[j] + (1 - m) * h_prev[j];
}

template <int activation, typename real>
static void blk_simple_forward_loop(int T, int B, int d, bool reverse,
                                    const real* x,
                                    const blk_weights<real>& w,
                                    const real* mask, real* h, real* saved)
{
    const npy_intp step = (npy_intp) B * d;
    for (int k = 0; k < T; k++) {
        const int t = reverse ? T - 1 - k : k;
        real* y = saved + k * step;
        real* h_prev = h + k * step;
        w.multiply(B, h_prev, d, y, d, false);
        for (int b = 0; b < B; b++) {
            const npy_intp row = (npy_intp) b * d;
            blk_simple_forward_row<activation, real>(
                d, mask == NULL ? 1 : mask[(npy_intp) t * B + b],
                x + t * step + row, y + row, h_prev + row,
                h_prev + step + row);
        }
    }
}

/* dh: on entry the gradient with respect to h_next, on exit with respect
 * to h_prev except for dx W^T, which the caller adds. */
template <int activation, typename real>
static inline void blk_simple_backward_row(
    int d, const real m, const real* __restrict__ y,
    const real* __restrict__ dh_given, real* __restrict__ dh,
    real* __restrict__ dx)
{
    for (int j = 0; j < d; j++) {
        dx[j] = m * dh[j] * blk_activation_derivative<activation>(y[j]);
        dh[j] = (1 - m) * dh[j] + dh_given[j];
    }
}

template <int activation, typename real>
static void blk_simple_backward_loop(
    int T, int B, int d, bool reverse, const blk_weights<real>& w_transposed,
    const real* mask,
    const real* h, const real* saved, const real* dh_given, real* dx,
    real* dh, real* dw)
{
    const npy_intp step = (npy_intp) B * d;
    memcpy(dh, dh_given + T * step, step * sizeof(real));
    if (reverse)
        memset(dw, 0, (npy_intp) d * d * sizeof(real));
    for (int k = T - 1; k >= 0; k--) {
        const int t = reverse ? T - 1 - k : k;
        real* dx_t = dx + t * step;
        for (int b = 0; b < B; b++) {
            const npy_intp row = (npy_intp) b * d;
            blk_simple_backward_row<activation, real>(
                d, mask == NULL ? 1 : mask[(npy_intp) t * B + b],
                saved + k * step + row, dh_given + k * step + row, dh + row,
                dx_t + row);
        }
        w_transposed.multiply(B, dx_t, d, dh, d, true);
        /* Reversed, the steps' states and the time-ordered gradients are in
         * opposite orders: accumulate dW step by step. */
        if (reverse)
            blk_gemm('T', 'N', d, d, B, 1, h + k * step, d, dx_t, d, 1, dw,
                     d);
    }
    if (!reverse)
        blk_gemm('T', 'N', d, d, T * B, 1, h, d, dx, d, 0, dw, d);
}

template <typename real>
static int blk_simple_forward(const char* op, int reverse, int activation,
                              PyArrayObject* inputs_, PyArrayObject* states_,
                              PyArrayObject* w_, PyArrayObject* mask_,
                              PyArrayObject** all_states,
                              PyArrayObject** saved)
{
    blk_input<real> inputs(inputs_), states(states_), w(w_), mask(mask_);
    if (!inputs.array || !states.array || !w.array || (mask_ && !mask.array))
        return -1;
    const npy_intp T = inputs.dim(0), B = inputs.dim(1);
    const npy_intp d = states.dim(1);
    if (blk_check_2d(op, "initial_states", states.array, B, d,
                     "(batch, dim) with batch from the inputs")
        || blk_check_3d(op, "inputs", inputs.array, T, B, d,
                        "(time, batch, dim) with dim from the initial "
                        "states")
        || blk_check_2d(op, "W", w.array, d, d,
                        "(dim, dim) with dim from the initial states")
        || (mask_ && blk_check_2d(op, "mask", mask.array, T, B,
                                  "(time, batch) like the inputs"))
        || blk_check_size(op, (T + 1) * B * d + d * d))
        return -1;
    real* h = blk_output<real>(all_states, 3, T + 1, B, d);
    real* y = h ? blk_output<real>(saved, 3, T, B, d) : NULL;
    if (y == NULL)
        return -1;
    blk_weights<real> weights;
    if (weights.init(w.data(), d, d, d, false))
        return -1;
    memcpy(h, states.data(), B * d * sizeof(real));
    const real *x = inputs.data(), *m = mask.data();
    switch (activation) {
    case BLK_TANH:
        blk_simple_forward_loop<BLK_TANH, real>(T, B, d, reverse, x, weights,
                                                m, h, y);
        break;
    case BLK_LOGISTIC:
        blk_simple_forward_loop<BLK_LOGISTIC, real>(T, B, d, reverse, x,
                                                    weights, m, h, y);
        break;
    case BLK_IDENTITY:
        blk_simple_forward_loop<BLK_IDENTITY, real>(T, B, d, reverse, x,
                                                    weights, m, h, y);
        break;
    default:
        blk_simple_forward_loop<BLK_RECTIFIER, real>(T, B, d, reverse, x,
                                                     weights, m, h, y);
    }
    return 0;
}

template <typename real>
static int blk_simple_backward(const char* op, int reverse, int activation,
                               PyArrayObject* w_, PyArrayObject* mask_,
                               PyArrayObject* all_states_,
                               PyArrayObject* saved_,
                               PyArrayObject* grad_states_,
                               PyArrayObject** grad_inputs,
                               PyArrayObject** grad_initial_states,
                               PyArrayObject** grad_w)
{
    blk_input<real> w(w_), mask(mask_), h(all_states_), saved(saved_),
        dh_given(grad_states_);
    if (!w.array || !h.array || !saved.array || !dh_given.array
        || (mask_ && !mask.array))
        return -1;
    const npy_intp T = saved.dim(0), B = saved.dim(1), d = saved.dim(2);
    if (blk_check_3d(op, "states", h.array, T + 1, B, d,
                     "(time + 1, batch, dim)")
        || blk_check_3d(op, "gradient of the states", dh_given.array, T + 1,
                        B, d, "(time + 1, batch, dim) like the states")
        || blk_check_2d(op, "W", w.array, d, d, "(dim, dim)")
        || (mask_ && blk_check_2d(op, "mask", mask.array, T, B,
                                  "(time, batch)"))
        || blk_check_size(op, (T + 1) * B * d + d * d))
        return -1;
    real* dx = blk_output<real>(grad_inputs, 3, T, B, d);
    real* dh = dx ? blk_output<real>(grad_initial_states, 2, B, d) : NULL;
    real* dw = dh ? blk_output<real>(grad_w, 2, d, d) : NULL;
    blk_weights<real> wd;
    if (dw == NULL || wd.init(w.data(), d, d, d, true))
        return -1;
    const real *m = mask.data(), *hd = h.data();
    const real *y = saved.data(), *g = dh_given.data();
    switch (activation) {
    case BLK_TANH:
        blk_simple_backward_loop<BLK_TANH, real>(T, B, d, reverse, wd, m, hd,
                                                 y, g, dx, dh, dw);
        break;
    case BLK_LOGISTIC:
        blk_simple_backward_loop<BLK_LOGISTIC, real>(T, B, d, reverse, wd, m,
                                                     hd, y, g, dx, dh, dw);
        break;
    case BLK_IDENTITY:
        blk_simple_backward_loop<BLK_IDENTITY, real>(T, B, d, reverse, wd, m,
                                                     hd, y, g, dx, dh, dw);
        break;
    default:
        blk_simple_backward_loop<BLK_RECTIFIER, real>(T, B, d, reverse, wd, m,
                                                      hd, y, g, dx, dh, dw);
    }
    return 0;
}

#endif
