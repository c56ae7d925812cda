/* The network: forward pass, backpropagation, one epoch of mini-batch training, predict.
 *
 * Layer l (0 <= l < L) maps units[l] inputs to units[l+1] outputs. For a batch of m rows
 * the workspace holds, per layer, its output U_l[m, units[l+1]], the gradient D_l at its
 * pre-activation (at its output while it is being formed), and for PReLU the
 * pre-activation V_l. */
#include <stdatomic.h>
#include <string.h>
#include <tgmath.h>
#include "bendernet.h"
#include "tuning.h"
#include "real.h"
#include "runtime/vector_clones.h"
#include "runtime/pool.h"

/* plenty for the networks this library trains; deeper ones are rejected */
#define MAX_LAYERS 64

typedef struct {
    const real *W[MAX_LAYERS], *b[MAX_LAYERS];  /* each layer's parameters, views into P */
    real *dW[MAX_LAYERS], *db[MAX_LAYERS];      /* their gradients, views into G or NULL */
    const real *slope;                          /* PReLU: one slope per hidden layer */
    real *dslope;
    real *U[MAX_LAYERS], *D[MAX_LAYERS], *V[MAX_LAYERS];  /* workspace for m rows */
} layout;

/* Counts of reals: non-negative, or -1 once a sum or product no longer fits int64_t, so
 * that a network whose buffers could not exist is refused instead of wrapping around to a
 * small count that a short buffer would then pass. */
static int64_t count_add(int64_t a, int64_t b)
{
    return a < 0 || b < 0 || a > INT64_MAX - b ? -1 : a + b;
}

static int64_t count_mul(int64_t a, int64_t b)
{
    return a < 0 || b < 0 || (b > 0 && a > INT64_MAX / b) ? -1 : a * b;
}

static int64_t weight_count(const bn_net *net)
{
    int64_t count = 0;
    for (int64_t l = 0; l < net->n_layers; l++)
        count = count_add(count, count_mul(net->units[l], net->units[l + 1]));
    return count;
}

static int64_t unit_count(const bn_net *net)
{
    int64_t count = 0;
    for (int64_t l = 1; l <= net->n_layers; l++)
        count = count_add(count, net->units[l]);
    return count;
}

static int has_slopes(const bn_net *net)
{
    return net->activation == BN_PRELU;
}

static int64_t param_total(const bn_net *net)
{
    int64_t slopes = has_slopes(net) ? net->n_layers - 1 : 0;
    return count_add(count_add(weight_count(net), unit_count(net)), slopes);
}

static int net_valid(const bn_net *net)
{
    if (!net || net->n_layers < 1 || net->n_layers > MAX_LAYERS || !net->units)
        return 0;
    for (int64_t l = 0; l <= net->n_layers; l++)
        if (net->units[l] < 1)
            return 0;
    return net->activation >= 0 && net->activation < BN_N_ACTIVATIONS &&
           net->output >= 0 && net->output < BN_N_OUTPUTS && net->l2 >= 0 &&
           param_total(net) >= 0;
}

int64_t BN(bn_param_count)(const bn_net *net)
{
    if (!net_valid(net))
        return BN_EINVAL;
    return param_total(net);
}

int64_t BN(bn_workspace_len)(const bn_net *net, int64_t m)
{
    if (!net_valid(net) || m < 0)
        return BN_EINVAL;
    int64_t len = count_mul(count_mul(m, unit_count(net)), has_slopes(net) ? 3 : 2);
    return len < 0 ? BN_EINVAL : len;
}

/* Points the layout's views into P, G (may be NULL) and the workspace for m rows. */
static void lay_out(layout *views, const bn_net *net, const real *P, real *G,
                    real *workspace, int64_t m)
{
    int64_t L = net->n_layers, offset = 0;
    for (int64_t l = 0; l < L; l++) {
        views->W[l] = P + offset;
        views->dW[l] = G ? G + offset : NULL;
        offset += net->units[l] * net->units[l + 1];
    }
    for (int64_t l = 0; l < L; l++) {
        views->b[l] = P + offset;
        views->db[l] = G ? G + offset : NULL;
        offset += net->units[l + 1];
    }
    views->slope = has_slopes(net) ? P + offset : NULL;
    views->dslope = has_slopes(net) && G ? G + offset : NULL;

    real *next = workspace;
    for (int64_t l = 0; l < L; l++) {
        int64_t size = m * net->units[l + 1];
        views->U[l] = next;
        views->D[l] = next + size;
        views->V[l] = has_slopes(net) ? next + 2 * size : NULL;
        next += size * (has_slopes(net) ? 3 : 2);
    }
}

/* the input of layer l: X itself (rows picked by the batch) or the previous layer's output */
static bn_rows layer_input(const layout *views, const bn_net *net, const bn_rows *X,
                           int64_t l, int64_t m)
{
    if (l == 0)
        return *X;
    bn_rows hidden = {views->U[l - 1], net->units[l], NULL, NULL, m, net->units[l]};
    return hidden;
}

/* the alpha of hidden layer l: PReLU's learned slope, ELU's scale (fixed at 1) */
static real hidden_alpha(const layout *views, const bn_net *net, int64_t l)
{
    if (views->slope)
        return views->slope[l];
    return net->activation == BN_ELU ? 1 : 0;
}

/* U_{L-1}[m, n_out] = the network's output for X[rows[m]] */
static int forward(const layout *views, const bn_net *net, const bn_rows *X,
                   const int64_t *rows, int64_t m)
{
    int64_t L = net->n_layers;
    for (int64_t l = 0; l < L; l++) {
        bn_rows input = layer_input(views, net, X, l, m);
        int hidden = l < L - 1;
        real slope = hidden ? hidden_alpha(views, net, l) : 0;
        int status = BN(bn_dense_forward)(views->U[l], hidden ? views->V[l] : NULL, &input,
                                          l == 0 ? rows : NULL, views->W[l], views->b[l], m,
                                          net->units[l + 1], hidden ? net->activation : -1,
                                          slope);
        if (status)
            return status;
    }
    return BN(bn_output_forward)(views->U[L - 1], m, net->units[L], net->output);
}

/* sum of x[i]^2, in SUM_LANES interleaved partial sums so that the additions pipeline and
 * vectorise instead of each waiting on the last. scikit-learn sums with BLAS's dot, whose
 * order is its own too: the penalty agrees to rounding, not bit for bit. */
#define SUM_LANES 16
static double squared_norm(const real *x, int64_t N)
{
    double lane[SUM_LANES] = {0};
    int64_t i = 0;
    for (; i + SUM_LANES <= N; i += SUM_LANES)
        for (int j = 0; j < SUM_LANES; j++)
            lane[j] += (double)x[i + j] * x[i + j];
    double sum = 0;
    for (; i < N; i++)
        sum += (double)x[i] * x[i];
    for (int j = 0; j < SUM_LANES; j++)
        sum += lane[j];
    return sum;
}

/* x[N] = (x + l2 * W) / weight_sum, the penalty and the mean of scikit-learn's gradient.
 * A divisor exact in `real` divides in `real`: a quotient correctly rounded to float is the
 * double quotient rounded to float, so both give NumPy's result, and float lanes are twice
 * as many. */
static void finish_gradient(real *x, const real *W, int64_t N, double l2, double weight_sum)
{
    real penalty = (real)l2, divisor = (real)weight_sum;
    int exact = (double)divisor == weight_sum;
    for (int64_t i = 0; i < N; i++) {
        real penalised = W ? x[i] + penalty * W[i] : x[i];
        x[i] = exact ? penalised / divisor : (real)(penalised / weight_sum);
    }
}

/* The gradient's last touches over the flat buffer, the weights (first n_weights) and the
 * biases after them, in chunks for the threads. Each chunk's norm of the weights is read
 * just before they are, so they come from cache; the partial norms are summed in chunk
 * order, so the penalty is the same on any number of threads. */
typedef struct {
    real *G;
    const real *P;
    int64_t n_weights, n_biases, chunk;
    double l2, weight_sum;
    double *norm;             /* [chunks]: chunk c's sum of squared weights */
} finish_job;

BN_VECTOR_CLONES
static void finish_chunk(void *context, int64_t chunk, int thread)
{
    (void)thread;
    finish_job *job = context;
    int64_t first = chunk * job->chunk, total = job->n_weights + job->n_biases;
    int64_t end = first + job->chunk < total ? first + job->chunk : total;
    /* weights in [first, split), biases in [split, end) */
    int64_t split = job->n_weights < first ? first : job->n_weights < end ? job->n_weights : end;
    job->norm[chunk] = squared_norm(job->P + first, split - first);
    finish_gradient(job->G + first, job->P + first, split - first, job->l2, job->weight_sum);
    finish_gradient(job->G + split, NULL, end - split, 0, job->weight_sum);
}

/* Finishes G's weights and biases (PReLU's slopes are finished as they are formed) and
 * returns the squared norm of the weights */
static double finish_gradients(real *G, const real *P, const bn_net *net, double weight_sum)
{
    double norm[MAX_FINISH_CHUNKS];
    finish_job job = {G, P, weight_count(net), unit_count(net), CHUNK, net->l2, weight_sum, norm};
    int64_t total = job.n_weights + job.n_biases;
    if (total > (int64_t)MAX_FINISH_CHUNKS * CHUNK)
        job.chunk = (total + MAX_FINISH_CHUNKS - 1) / MAX_FINISH_CHUNKS;
    int64_t chunks = (total + job.chunk - 1) / job.chunk;
    bn_parallel_for(chunks, chunks >= 4 ? bn_threads_worth_using(bn_max_threads()) : 1,
                    finish_chunk, &job);
    double sum = 0;
    for (int64_t c = 0; c < chunks; c++)
        sum += norm[c];
    return sum;
}

BN_VECTOR_CLONES
static int loss_grad(double *loss, real *G, real *workspace, const real *P,
                     const bn_net *net, const bn_rows *X, const real *T, const real *sw,
                     const int64_t *rows, int64_t m)
{
    if (!net_valid(net) || m < 1 || X->n_cols != net->units[0])
        return BN_EINVAL;
    layout views;
    lay_out(&views, net, P, G, workspace, m);
    int64_t L = net->n_layers, n_out = net->units[L];
    int status = forward(&views, net, X, rows, m);
    if (!status)
        status = BN(bn_output_loss)(loss, views.D[L - 1], views.U[L - 1], T, sw, rows, m,
                                    n_out, net->output);
    if (status)
        return status;

    double weight_sum = 0;
    for (int64_t i = 0; i < m; i++)
        weight_sum += sw ? sw[rows ? rows[i] : i] : 1;

    for (int64_t l = L - 1; l >= 0; l--) {
        int64_t k = net->units[l], n = net->units[l + 1];
        bn_rows input = layer_input(&views, net, X, l, m);
        status = BN(bn_dense_backward)(views.dW[l], views.db[l], l > 0 ? views.D[l - 1] : NULL,
                                       views.D[l], &input, l == 0 ? rows : NULL, views.W[l],
                                       m, n);
        if (status)
            return status;
        if (l == 0)
            continue;
        /* D_{l-1} holds dL/dU_{l-1}; turn it into dL/dV_{l-1} */
        real slope = hidden_alpha(&views, net, l - 1);
        if (views.dslope)
            views.dslope[l - 1] = (real)(BN(bn_prelu_slope_grad)(views.D[l - 1], views.V[l - 1],
                                                               m * k) / weight_sum);
        status = BN(bn_activation_backward)(views.D[l - 1], views.U[l - 1], views.V[l - 1],
                                            m * k, net->activation, slope);
        if (status)
            return status;
    }
    *loss += 0.5 * net->l2 * finish_gradients(G, P, net, weight_sum) / weight_sum;
    return BN_OK;
}

/* A training step is a chain: each product reads what the last one wrote (see pool.h) */
int BN(bn_loss_grad)(double *loss, real *G, real *workspace, const real *P,
                     const bn_net *net, const bn_rows *X, const real *T, const real *sw,
                     const int64_t *rows, int64_t m)
{
    bn_chain_begin();
    int status = loss_grad(loss, G, workspace, P, net, X, T, sw, rows, m);
    bn_chain_end();
    return status;
}

/* An optimizer step, shared out to the threads in chunks of CHUNK parameters */
typedef struct {
    real *P, *state1, *state2;
    const real *G;
    int64_t N;
    const bn_optim *opt;
    double lr_t;              /* Adam's step size at this step */
} optimizer_job;

/* the step on parameters [chunk, chunk + 1) * CHUNK (the last chunk shorter) */
static void optimizer_chunk(void *context, int64_t chunk, int thread)
{
    (void)thread;
    const optimizer_job *job = context;
    int64_t first = chunk * CHUNK;
    int64_t count = job->N - first < CHUNK ? job->N - first : CHUNK;
    const bn_optim *opt = job->opt;
    if (opt->solver == BN_SGD)
        BN(bn_sgd_step)(job->P + first, job->state1 + first, job->G + first, count,
                        (real)opt->learning_rate, (real)opt->momentum, opt->nesterov);
    else
        BN(bn_adam_step)(job->P + first, job->state1 + first, job->state2 + first,
                         job->G + first, count, job->lr_t, opt->beta1, opt->beta2,
                         opt->epsilon);
}

/* One SGD or Adam step. Both work element by element, so running chunks on threads
 * changes no bit. Only a step of four chunks or more is shared: W2's 235k parameters
 * stream 6.6 MB through the caches per step, W1's 7.5k stay on one thread. */
static void optimizer_step(real *P, real *state1, real *state2, const real *G, int64_t N,
                           const bn_optim *opt, int64_t step)
{
    double t = (double)step;
    optimizer_job job = {P, state1, state2, G, N, opt,
                         opt->solver == BN_ADAM ? opt->learning_rate *
                                                  sqrt(1 - pow(opt->beta2, t)) /
                                                  (1 - pow(opt->beta1, t)) : 0};
    int64_t chunks = (N + CHUNK - 1) / CHUNK;
    bn_parallel_for(chunks, chunks >= 4 ? bn_threads_worth_using(bn_max_threads()) : 1,
                    optimizer_chunk, &job);
}

int BN(bn_train_epoch)(real *P, real *state1, real *state2, int64_t *step, double *loss_sum,
                       real *G, real *workspace, const bn_net *net, const bn_optim *opt,
                       const bn_rows *X, const real *T, const real *sw,
                       const int64_t *order, int64_t n_order, int64_t batch_size)
{
    if (!net_valid(net) || batch_size < 1 || n_order < 0 || !order ||
        bn_index_check(order, n_order, X->n_rows) ||
        (opt->solver != BN_SGD && opt->solver != BN_ADAM))
        return BN_EINVAL;
    int64_t N = BN(bn_param_count)(net);
    /* scikit-learn sums each batch's loss times its size in the data's precision */
    real accumulated = 0;
    bn_chain_begin();
    for (int64_t start = 0; start < n_order; start += batch_size) {
        int64_t m = n_order - start < batch_size ? n_order - start : batch_size;
        double batch_loss;
        int status = loss_grad(&batch_loss, G, workspace, P, net, X, T, sw, order + start, m);
        if (status) {
            bn_chain_end();
            return status;
        }
        accumulated += (real)batch_loss * (real)m;
        if (opt->solver == BN_ADAM)
            *step += 1;
        optimizer_step(P, state1, state2, G, N, opt, *step);
    }
    bn_chain_end();
    *loss_sum = accumulated;
    return BN_OK;
}

/* predict's chunks, shared out to threads that each own one workspace */
typedef struct {
    real *Y, *workspace;
    int64_t workspace_len, chunk_rows;
    const real *P;
    const bn_net *net;
    const bn_rows *X;
    int check_finite;
    _Atomic int status;      /* the last failure, BN_OK if none */
} predict_job;

/* whether the first m rows of a dense X are all finite (as bn_all_finite, row by row) */
BN_VECTOR_CLONES
static int rows_finite(const bn_rows *X, int64_t m)
{
    const real *values = X->values;
    int finite = 1;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < X->n_cols; j++)
            finite &= values[i * X->row_stride + j] - values[i * X->row_stride + j] == 0;
    return finite;
}

/* Y[start : start+m] = the network's output for rows [start, start+m) of X, start =
 * chunk * chunk_rows */
static void predict_chunk(void *context, int64_t chunk, int thread)
{
    predict_job *job = context;
    const bn_net *net = job->net;
    int64_t start = chunk * job->chunk_rows, n_out = net->units[net->n_layers];
    int64_t m = job->X->n_rows - start < job->chunk_rows ? job->X->n_rows - start
                                                         : job->chunk_rows;
    bn_rows rows = *job->X;
    rows.n_rows = m;
    if (rows.indptr)
        rows.indptr += start;
    else
        rows.values = (const real *)rows.values + start * rows.row_stride;
    if (job->check_finite && !rows.indptr && !rows_finite(&rows, m)) {
        atomic_store(&job->status, BN_ENONFINITE);
        return;
    }
    layout views;
    lay_out(&views, net, job->P, NULL, job->workspace + thread * job->workspace_len, m);
    int status = forward(&views, net, &rows, NULL, m);
    if (status)
        atomic_store(&job->status, status);
    else
        memcpy(job->Y + start * n_out, views.U[net->n_layers - 1],
               (size_t)(m * n_out) * sizeof(real));
}

int BN(bn_predict)(real *Y, real *workspace, int64_t n_workspaces, const real *P,
                   const bn_net *net, const bn_rows *X, int64_t chunk_rows, int check_finite)
{
    if (!net_valid(net) || chunk_rows < 1 || n_workspaces < 1 ||
        X->n_cols != net->units[0] || X->n_rows < 0)
        return BN_EINVAL;
    predict_job job = {Y, workspace, BN(bn_workspace_len)(net, chunk_rows), chunk_rows, P,
                       net, X, check_finite, BN_OK};
    int threads = bn_max_threads();
    int64_t n_chunks = (X->n_rows + chunk_rows - 1) / chunk_rows;
    bn_parallel_for(n_chunks, n_workspaces < threads ? (int)n_workspaces : threads,
                    predict_chunk, &job);
    return job.status;
}
