/* Helpers shared by the fused recurrent kernels of
 * blocks/bricks/recurrent/fused.py.
 *
 * Aesara compiles these files with g++ (-O3 -fno-math-errno, the Ops add
 * -fno-trapping-math), after its BLAS declarations (sgemm_, dgemm_) and the
 * NumPy headers. They are C++ only where that saves repetition: function
 * overloads and templates over the floating point type `real` (float or
 * double), instantiated only for the dtype a graph uses.
 *
 * All arrays are C-contiguous and row-major. A (rows x cols) matrix at `a`
 * with leading dimension `lda` has element (i, j) at a[i * lda + j].
 */
#ifndef BLOCKS_FUSED_COMMON_C
#define BLOCKS_FUSED_COMMON_C

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Matrix products                                                     */
/* ------------------------------------------------------------------ */

/* C = alpha * op(A) op(B) + beta * C for row-major matrices, where op(A)
 * is m x k and op(B) is k x n; trans_a/trans_b are 'N' or 'T'. Fortran
 * BLAS is column-major: a row-major matrix is its transpose there, so the
 * call computes C^T = op(B)^T op(A)^T. */
static inline void blk_gemm(char trans_a, char trans_b, int m, int n, int k,
                            float alpha, const float* a, int lda,
                            const float* b, int ldb, float beta, float* c,
                            int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(npy_intp) i * ldc + j] =
                    beta == 0 ? 0 : beta * c[(npy_intp) i * ldc + j];
        return;
    }
    sgemm_(&trans_b, &trans_a, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta,
           c, &ldc);
}

static inline void blk_gemm(char trans_a, char trans_b, int m, int n, int k,
                            double alpha, const double* a, int lda,
                            const double* b, int ldb, double beta, double* c,
                            int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(npy_intp) i * ldc + j] =
                    beta == 0 ? 0 : beta * c[(npy_intp) i * ldc + j];
        return;
    }
    dgemm_(&trans_b, &trans_a, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta,
           c, &ldc);
}

/* ------------------------------------------------------------------ */
/* The recurrent products                                              */
/* ------------------------------------------------------------------ */

/* A recurrent weight matrix, multiplied from the left by the (B x K)
 * states of every step: C = A W (+ C), W being K x N.
 *
 * In double precision this is BLAS's gemm. In single precision, whose
 * speed matters, BLAS does poorly on these shapes (few rows, B): it packs
 * W again at every call, and OpenBLAS reaches about half the machine's
 * peak. The weights are packed here once per time loop, into panels of 16
 * columns (K x 16, contiguous, the last one padded with zeros), and a
 * block of 6 rows by 16 columns is accumulated in 12 vector registers
 * (GCC's vector extensions: AVX2 and FMA where the machine has them) while
 * a panel streams through; this reaches the machine's peak. */
template <typename real> struct blk_weights;

template <> struct blk_weights<double> {
    const double* w;
    int ldw, rows, cols;
    char trans;

    blk_weights() : w(NULL), ldw(1), rows(0), cols(0), trans('N') {}
    /* W is the K x N matrix at w (leading dimension ldw), or with
     * `transpose` the transpose of the N x K matrix there. */
    int init(const double* w_, int ldw_, int K, int N, bool transpose)
    {
        w = w_;
        ldw = ldw_ > 1 ? ldw_ : 1;
        rows = K;
        cols = N;
        trans = transpose ? 'T' : 'N';
        return 0;
    }
    void multiply(int M, const double* a, int lda, double* c, int ldc,
                  bool accumulate) const
    {
        blk_gemm('N', trans, M, cols, rows, 1, a, lda > 1 ? lda : 1, w, ldw,
                 accumulate ? 1 : 0, c, ldc > 1 ? ldc : 1);
    }
};

typedef float blk_v8sf __attribute__((vector_size(32)));

static inline blk_v8sf blk_load8(const float* p)
{
    blk_v8sf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void blk_store8(float* p, blk_v8sf v)
{
    memcpy(p, &v, sizeof v);
}

/* C[0:rows, 0:cols] (+)= A[0:rows, :] panel, cols <= 16. */
template <int rows>
static inline void blk_panel_product(int K, const float* __restrict__ a,
                                     int lda, const float* __restrict__ panel,
                                     float* __restrict__ c, int ldc, int cols,
                                     bool accumulate)
{
    blk_v8sf sum[rows][2];
    for (int r = 0; r < rows; r++)
        sum[r][0] = sum[r][1] = (blk_v8sf){};
    for (int k = 0; k < K; k++) {
        const blk_v8sf w0 = blk_load8(panel + 16 * k);
        const blk_v8sf w1 = blk_load8(panel + 16 * k + 8);
        for (int r = 0; r < rows; r++) {
            const float a_rk = a[(npy_intp) r * lda + k];
            sum[r][0] += a_rk * w0;
            sum[r][1] += a_rk * w1;
        }
    }
    for (int r = 0; r < rows; r++) {
        float* c_r = c + (npy_intp) r * ldc;
        if (cols == 16) {
            if (accumulate) {
                sum[r][0] += blk_load8(c_r);
                sum[r][1] += blk_load8(c_r + 8);
            }
            blk_store8(c_r, sum[r][0]);
            blk_store8(c_r + 8, sum[r][1]);
        } else {
            float row[16];
            blk_store8(row, sum[r][0]);
            blk_store8(row + 8, sum[r][1]);
            for (int j = 0; j < cols; j++)
                c_r[j] = accumulate ? c_r[j] + row[j] : row[j];
        }
    }
}

template <> struct blk_weights<float> {
    float* packed;
    int rows, cols;

    blk_weights() : packed(NULL), rows(0), cols(0) {}
    ~blk_weights() { PyMem_Free(packed); }
    blk_weights(const blk_weights&) = delete;
    blk_weights& operator=(const blk_weights&) = delete;

    /* As for double; -1 with a MemoryError if allocation fails. */
    int init(const float* w, int ldw, int K, int N, bool transpose)
    {
        rows = K;
        cols = N;
        const npy_intp panels = (N + 15) / 16;
        packed = (float*) PyMem_Malloc((panels * K * 16 + 1) * sizeof(float));
        if (packed == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (npy_intp p = 0; p < panels; p++)
            for (int k = 0; k < K; k++)
                for (int j = 0; j < 16; j++) {
                    const npy_intp col = 16 * p + j;
                    packed[(p * K + k) * 16 + j] =
                        col >= N ? 0
                        : transpose ? w[col * ldw + k]
                                    : w[(npy_intp) k * ldw + col];
                }
        return 0;
    }

    void multiply(int M, const float* a, int lda, float* c, int ldc,
                  bool accumulate) const
    {
        for (int p = 0; 16 * p < cols; p++) {
            const float* panel = packed + (npy_intp) p * rows * 16;
            const int width = cols - 16 * p < 16 ? cols - 16 * p : 16;
            float* c_p = c + 16 * p;
            int m = 0;
            for (; m + 6 <= M; m += 6)
                blk_panel_product<6>(rows, a + (npy_intp) m * lda, lda, panel,
                                     c_p + (npy_intp) m * ldc, ldc, width,
                                     accumulate);
            const float* a_m = a + (npy_intp) m * lda;
            float* c_m = c_p + (npy_intp) m * ldc;
            switch (M - m) {
            case 5: blk_panel_product<5>(rows, a_m, lda, panel, c_m, ldc,
                                         width, accumulate); break;
            case 4: blk_panel_product<4>(rows, a_m, lda, panel, c_m, ldc,
                                         width, accumulate); break;
            case 3: blk_panel_product<3>(rows, a_m, lda, panel, c_m, ldc,
                                         width, accumulate); break;
            case 2: blk_panel_product<2>(rows, a_m, lda, panel, c_m, ldc,
                                         width, accumulate); break;
            case 1: blk_panel_product<1>(rows, a_m, lda, panel, c_m, ldc,
                                         width, accumulate); break;
            }
        }
    }
};

/* ------------------------------------------------------------------ */
/* Non-linearities                                                     */
/* ------------------------------------------------------------------ */

/* exp(x) in single precision without branches or library calls, so that
 * g++ vectorises the loops that use it (libm's expf is a call per
 * element). x is clamped to [-87, 88], where exp stays a normal float;
 * x = n ln 2 + r with |r| <= ln(2) / 2, exp(r) is its Taylor polynomial
 * of degree 7 (truncation error below 6e-9) and 2^n is built from its
 * exponent bits. Relative error about 1e-7, one ulp. */
static inline float blk_exp(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* Round x / ln 2 to the nearest integer: truncation rounds toward
     * zero, so shift to positive numbers first. */
    const int n = (int) (x * 1.44269504088896341f + 128.5f) - 128;
    const float nf = (float) n;
    /* ln 2 in two parts: nf * 0.693145751953125f is exact. */
    float r = x - nf * 0.693145751953125f;
    r = r - nf * 1.428606765330187e-06f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (int32_t) (n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float blk_sigmoid(float x)
{
    return 1.0f / (1.0f + blk_exp(-x));
}

/* Absolute error below 2e-7. */
static inline float blk_tanh(float x)
{
    return 1.0f - 2.0f / (1.0f + blk_exp(2.0f * x));
}

static inline double blk_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static inline double blk_tanh(double x)
{
    return tanh(x);
}

/* Activations of FusedSimpleRecurrent, in the order of ACTIVATIONS in
 * fused.py. Their derivatives are written in terms of their outputs y. */
enum { BLK_TANH = 0, BLK_LOGISTIC = 1, BLK_IDENTITY = 2, BLK_RECTIFIER = 3 };

template <int activation, typename real>
static inline real blk_activate(real a)
{
    switch (activation) {
    case BLK_TANH: return blk_tanh(a);
    case BLK_LOGISTIC: return blk_sigmoid(a);
    case BLK_IDENTITY: return a;
    default: return a > 0 ? a : 0;
    }
}

template <int activation, typename real>
static inline real blk_activation_derivative(real y)
{
    switch (activation) {
    case BLK_TANH: return 1 - y * y;
    case BLK_LOGISTIC: return y * (1 - y);
    case BLK_IDENTITY: return 1;
    default: return y > 0 ? 1 : 0;
    }
}

/* ------------------------------------------------------------------ */
/* Arrays                                                              */
/* ------------------------------------------------------------------ */

template <typename real> struct blk_typenum;
template <> struct blk_typenum<float> { enum { value = NPY_FLOAT32 }; };
template <> struct blk_typenum<double> { enum { value = NPY_FLOAT64 }; };

/* An input as a C-contiguous, aligned array (the array itself when it is
 * one, else a copy), released when it goes out of scope. A NULL input (an
 * absent mask or peephole) stays NULL. */
template <typename real>
struct blk_input {
    PyArrayObject* array;

    explicit blk_input(PyArrayObject* given)
        : array(given == NULL ? NULL
                : (PyArrayObject*) PyArray_FROMANY(
                      (PyObject*) given, blk_typenum<real>::value, 0, 0,
                      NPY_ARRAY_IN_ARRAY)) {}
    ~blk_input() { Py_XDECREF(array); }
    blk_input(const blk_input&) = delete;
    blk_input& operator=(const blk_input&) = delete;

    const real* data() const
    {
        return array == NULL ? NULL : (const real*) PyArray_DATA(array);
    }
    npy_intp dim(int axis) const { return PyArray_DIMS(array)[axis]; }
};

static void blk_format_shape(char* text, size_t size, int ndim,
                             const npy_intp* dims)
{
    size_t used = (size_t) snprintf(text, size, "(");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t) snprintf(text + used, size - used, "%s%ld",
                                  i > 0 ? ", " : "", (long) dims[i]);
    if (used < size)
        snprintf(text + used, size - used, ndim == 1 ? ",)" : ")");
}

/* 0 if the array has the expected shape, else -1 with a ValueError such as
 * "FusedLSTM: W_state has shape (3, 8), expected (3, 12) = (dim, 4 * dim)".
 * `meaning` says where the expected sizes come from. */
static int blk_check_shape(const char* op, const char* argument,
                           PyArrayObject* array, int ndim,
                           const npy_intp* expected, const char* meaning)
{
    bool matches = PyArray_NDIM(array) == ndim;
    for (int i = 0; matches && i < ndim; i++)
        matches = PyArray_DIMS(array)[i] == expected[i];
    if (matches)
        return 0;
    char given[96], wanted[96];
    blk_format_shape(given, sizeof given, PyArray_NDIM(array),
                     PyArray_DIMS(array));
    blk_format_shape(wanted, sizeof wanted, ndim, expected);
    PyErr_Format(PyExc_ValueError, "%s: %s has shape %s, expected %s = %s",
                 op, argument, given, wanted, meaning);
    return -1;
}

static int blk_check_1d(const char* op, const char* argument,
                        PyArrayObject* array, npy_intp d0, const char* meaning)
{
    const npy_intp expected[1] = {d0};
    return blk_check_shape(op, argument, array, 1, expected, meaning);
}

static int blk_check_2d(const char* op, const char* argument,
                        PyArrayObject* array, npy_intp d0, npy_intp d1,
                        const char* meaning)
{
    const npy_intp expected[2] = {d0, d1};
    return blk_check_shape(op, argument, array, 2, expected, meaning);
}

static int blk_check_3d(const char* op, const char* argument,
                        PyArrayObject* array, npy_intp d0, npy_intp d1,
                        npy_intp d2, const char* meaning)
{
    const npy_intp expected[3] = {d0, d1, d2};
    return blk_check_shape(op, argument, array, 3, expected, meaning);
}

/* BLAS takes int sizes. */
static int blk_check_size(const char* op, npy_intp size)
{
    if (size <= 0x7fffffffL)
        return 0;
    PyErr_Format(PyExc_ValueError, "%s: the arrays are too large for the "
                 "32-bit sizes of BLAS (%ld elements)", op, (long) size);
    return -1;
}

/* The data of output `*out`, (re)allocated unless it already is a
 * C-contiguous array of this shape and dtype; NULL with an exception set
 * if allocation failed. The contents are not initialised. */
template <typename real>
static real* blk_output(PyArrayObject** out, int ndim, npy_intp d0,
                        npy_intp d1 = 0, npy_intp d2 = 0)
{
    const npy_intp dims[3] = {d0, d1, d2};
    bool reuse = *out != NULL && PyArray_NDIM(*out) == ndim
                 && PyArray_TYPE(*out) == blk_typenum<real>::value
                 && PyArray_IS_C_CONTIGUOUS(*out)
                 && PyArray_ISWRITEABLE(*out);
    for (int i = 0; reuse && i < ndim; i++)
        reuse = PyArray_DIMS(*out)[i] == dims[i];
    if (!reuse) {
        Py_XDECREF(*out);
        *out = (PyArrayObject*) PyArray_EMPTY(ndim, dims,
                                              blk_typenum<real>::value, 0);
        if (*out == NULL)
            return NULL;
    }
    return (real*) PyArray_DATA(*out);
}

#endif
