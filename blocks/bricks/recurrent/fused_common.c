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
