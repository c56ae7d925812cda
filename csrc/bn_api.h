/* The public C API in one precision. bendernet.h includes this file twice, after real.h has
 * chosen float or double, so it has no include guard. Outputs come first, then const inputs,
 * then sizes. */

/* ---- gemm.c: the matrix product --------------------------------------------------------
 * C[m,n] = beta * C[m,n] + A[m,k] @ B[k,n]
 * Element (i,p) of A is A[row(i) * a_rs + p * a_cs] with row(i) = a_rows ? a_rows[i] : i,
 * and likewise for B (b_rows picks B's rows) and C (c_rs, c_cs). A transpose is therefore a
 * swap of strides and a shuffled mini-batch is an index: no operand is ever copied to be
 * transposed or gathered. beta == 0 never reads C, so C may hold garbage (even NaN). */
int BN(bn_gemm)(real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                int64_t m, int64_t n, int64_t k, real beta);
/* C[m,n] = f(A[m,k] @ B[k,n] + bias[n]): the product with a fused epilogue, which adds the
 * bias and applies the activation (activations.c) to each tile of C while it is still in
 * cache. pre, when not NULL, receives A @ B + bias, with the strides of C. bias NULL adds
 * nothing; activation < 0 applies none. Operands as for bn_gemm; C is never read. */
int BN(bn_gemm_bias_activation)(real *C, real *pre, ptrdiff_t c_rs, ptrdiff_t c_cs,
                                const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                                const int64_t *a_rows,
                                const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs,
                                const int64_t *b_rows, const real *bias,
                                int64_t m, int64_t n, int64_t k, int activation, real alpha);
/* Frees the scratch the calling thread keeps for its next product (for tests that count
 * allocations: it is otherwise freed when the thread ends) */
void BN(bn_gemm_release_scratch)(void);

/* ---- activations.c: hidden-layer activations, elementwise over N values ----------------
 * alpha is PReLU's slope and ELU's scale; other activations ignore it. out may alias in. */

/* out[N] = f(in[N]) */
int BN(bn_activation_forward)(real *out, const real *in, int64_t N, int activation, real alpha);
/* out[N] = f'(in[N]), the derivative at the pre-activation (the talk's table) */
int BN(bn_activation_derivative)(real *out, const real *in, int64_t N, int activation,
                                 real alpha);
/* delta[N] *= f'(z), written from the output u = f(z) so z need not be kept. Where the
 * output does not say the sign of z (PReLU; ELU with alpha <= 0) z is read from pre[N],
 * which may then not be NULL; ELU reads it whenever it is given. */
int BN(bn_activation_backward)(real *delta, const real *out, const real *pre, int64_t N,
                               int activation, real alpha);

/* dL/dalpha of a PReLU layer: sum over N of dU * (V < 0 ? V : 0), dU the gradient at the
 * output, V the pre-activation; products and sum in double, as every reduction */
double BN(bn_prelu_slope_grad)(const real *dU, const real *V, int64_t N);

/* ---- loss.c: output layers and their losses ---------------------------------------------
 * Z[m,n] = g(Z[m,n]) in place: identity, logistic, row-wise softmax or exp. */
int BN(bn_output_forward)(real *Z, int64_t m, int64_t n, int output);
/* Given predictions P[m,n] and targets T[m,n] (row i of T and of sw read at rows[i], rows
 * NULL meaning i), writes delta[m,n] = (P - T) * sw and returns in *loss the loss paired with
 * the output, as scikit-learn defines it: the sw-weighted mean over samples, summed over
 * outputs (log-loss, Poisson) or averaged over them (half squared error). sw NULL means 1. */
int BN(bn_output_loss)(double *loss, real *delta, const real *P, const real *T,
                       const real *sw, const int64_t *rows, int64_t m, int64_t n, int output);

/* ---- optimizers (network/optimizers.def, optimizer_step.c, optimizers/<name>.c) ---------
 * Each optimizer's state, bn_<name>_state_f32/_f64: its BN_BUFFER fields, N reals each
 * (N the parameter count), and its BN_COUNTER fields, one int64_t each. */
#define BN_HYPER(field)
#define BN_BUFFER(field) real *field;
#define BN_COUNTER(field) int64_t *field;
#define BN_OPTIMIZER(name, CODE, HYPER, STATE) typedef struct { STATE } BN(bn_##name##_state);
#include "network/optimizers.def"
#undef BN_OPTIMIZER
typedef union {
#define BN_OPTIMIZER(name, CODE, HYPER, STATE) BN(bn_##name##_state) name;
#include "network/optimizers.def"
#undef BN_OPTIMIZER
} BN(bn_state);

/* An optimizer: which one, and its hyper-parameters and state (the members named after it) */
typedef struct {
    int solver;              /* enum bn_solver */
    bn_hyper hyper;
    BN(bn_state) state;
} BN(bn_optimizer);

/* bn_<name>_step, each optimizer's step on the elements [first, end) of the flat buffers:
 * P[i] and the state's buffers at i updated from G[i], element by element. */
#define BN_OPTIMIZER(name, CODE, HYPER, STATE)                                                 \
    void BN(bn_##name##_step)(real *P, const real *G, int64_t first, int64_t end,          \
                              const bn_##name##_hyper *hyper,                              \
                              const BN(bn_##name##_state) *state);
#include "network/optimizers.def"
#undef BN_OPTIMIZER
#undef BN_HYPER
#undef BN_BUFFER
#undef BN_COUNTER

/* One step of opt on P[N] from G[N]: each counter of its state += 1, then its
 * bn_<name>_step over P in chunks, on threads when there are enough. BN_EINVAL for an
 * unknown solver. */
int BN(bn_optimizer_step)(real *P, const real *G, int64_t N, const BN(bn_optimizer) *opt);

/* ---- dense.c: one fully connected layer, v = X W + b, u = f(v) --------------------------
 * X is a bn_rows (bendernet.h), with rows picked through an optional index. */

/* BN_OK when a CSR X (indptr != NULL) is well formed over n_values stored nonzeros:
 * indptr starts at 0 and never decreases, every column index lies in [0, n_cols). */
int BN(bn_rows_check)(const bn_rows *X, int64_t n_values);

/* 1 when every x[i] (i < n) is finite, 0 when one is NaN or infinite */
int BN(bn_all_finite)(const real *x, int64_t n);

/* U[m,n] = f(X[rows[m],k] @ W[k,n] + b[n]); when pre != NULL it receives the pre-activation
 * V[m,n] as well. activation < 0 means none (the output layer applies its own). */
int BN(bn_dense_forward)(real *U, real *pre, const bn_rows *X, const int64_t *rows,
                         const real *W, const real *b, int64_t m, int64_t n,
                         int activation, real alpha);
/* From dV[m,n], the gradient at the pre-activation:
 * dW[k,n] = X[rows[m],k]^T @ dV[m,n];  db[n] = sum_m dV[m,n];
 * dX[m,k] = dV[m,n] @ W[k,n]^T when dX != NULL. */
int BN(bn_dense_backward)(real *dW, real *db, real *dX, const real *dV,
                          const bn_rows *X, const int64_t *rows, const real *W,
                          int64_t m, int64_t n);

/* ---- layout.c, loss_grad.c, epoch.c, predict.c: the network ----------------------------
 * Parameters live in one flat buffer P: W_0..W_{L-1} (row-major, units[l] x units[l+1]),
 * then b_0..b_{L-1}, then, when a hidden layer is PReLU, one slope per hidden layer (the
 * slot of a layer that is not PReLU is never read, and its gradient is 0). Gradients share
 * the layout, so an optimizer step is one loop. */
/* *count = the length of P; BN_EINVAL (count untouched) for a network the C core does not
 * train: no layer, an empty layer, an unknown code, l2 < 0, or buffers whose lengths
 * would not fit int64_t */
int BN(bn_param_count)(int64_t *count, const bn_net *net);
/* *len = the reals of workspace a batch of m rows needs; BN_EINVAL as bn_param_count, or
 * for m < 0 or a length that would not fit int64_t */
int BN(bn_workspace_len)(int64_t *len, const bn_net *net, int64_t m);

/* Loss and gradient G[N] of the batch X[rows[m]] against T (rows NULL: the first m rows),
 * L2 penalty included, both divided by the batch's weight sum as scikit-learn does.
 * BN_ENOMEM when the per-layer views cannot be allocated (as for bn_train_epoch and
 * bn_predict). */
int BN(bn_loss_grad)(double *loss, real *G, real *workspace, const real *P,
                     const bn_net *net, const bn_rows *X, const real *T, const real *sw,
                     const int64_t *rows, int64_t m);

/* One epoch: the rows of `order` in batches of batch_size (the last one shorter), each
 * batch a bn_loss_grad and a bn_optimizer_step of opt on P[N]. *loss_sum receives the sum
 * over batches of batch loss * batch rows. */
int BN(bn_train_epoch)(double *loss_sum, real *P, real *G, real *workspace, const bn_net *net,
                       const BN(bn_optimizer) *opt, const bn_rows *X, const real *T,
                       const real *sw, const int64_t *order, int64_t n_order,
                       int64_t batch_size);

/* Y[m, n_out] = the network's output for every row of X, in chunks of chunk_rows rows.
 * workspace holds n_workspaces workspaces of bn_workspace_len(net, chunk_rows) each, one
 * for each thread that may run chunks (at most bn_max_threads()); a lone chunk gets the
 * threads inside its matrix products instead. With check_finite, a dense X is checked for
 * NaN and infinity a chunk at a time, as it is read (so it comes from memory once):
 * BN_ENONFINITE if one is found, Y then unspecified. */
int BN(bn_predict)(real *Y, real *workspace, int64_t n_workspaces, const real *P,
                   const bn_net *net, const bn_rows *X, int64_t chunk_rows, int check_finite);
