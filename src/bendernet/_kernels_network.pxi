# Included into _kernels.pyx: the glue for the network-level kernels of csrc/network/ (shares
# the helpers check, require, single_precision, rows_of, activation_codes and net_of defined
# there).

# ---- the network ---------------------------------------------------------------------------

def param_count(const int64_t[::1] units, activation):
    """length of the flat parameter buffer"""
    cdef const int[::1] codes = activation_codes(activation, units)
    cdef bn_net net = net_of(units, codes, 0, 0)
    cdef int64_t count
    check(bn_param_count_f64(&count, &net))
    return count


def workspace_len(const int64_t[::1] units, activation, int64_t m):
    """reals of workspace for a batch of m rows"""
    cdef const int[::1] codes = activation_codes(activation, units)
    cdef bn_net net = net_of(units, codes, 0, 0)
    require(m >= 0, "negative batch size")
    cdef int64_t length
    require(bn_workspace_len_f64(&length, &net, m) == BN_OK,
            "the workspace would not fit in memory")
    return length


cdef int check_buffers(const bn_net *net, Py_ssize_t n_params, Py_ssize_t n_workspace,
                       int64_t m) except -1:
    cdef int64_t count, needed
    check(bn_param_count_f64(&count, net))
    require(n_params == count, "parameter buffer has the wrong length")
    require(bn_workspace_len_f64(&needed, net, m) == BN_OK and n_workspace >= needed,
            "workspace too small")
    return 0


cdef int check_targets(const bn_net *net, int64_t n_rows, Py_ssize_t t_rows, Py_ssize_t t_cols,
                       Py_ssize_t sw_len) except -1:
    require(t_rows == n_rows and t_cols == net.units[net.n_layers], "targets have the wrong shape")
    require(sw_len < 0 or sw_len == n_rows, "sample_weight has the wrong length")
    return 0


def loss_grad(floating[::1] G, floating[::1] workspace, const floating[::1] P,
              const int64_t[::1] units, activation, int output, double l2,
              const floating[::1] values, const int64_t[::1] indptr,
              const int64_t[::1] indices, int64_t n_rows, int64_t n_cols,
              const floating[:, ::1] T, const floating[::1] sw):
    """loss and gradient G of every row of X at parameters P"""
    cdef const int[::1] codes = activation_codes(activation, units)
    cdef bn_net net = net_of(units, codes, output, l2)
    cdef bn_rows inputs = rows_of(values, indptr, indices, n_rows, n_cols, units[0])
    check_buffers(&net, P.shape[0], workspace.shape[0], inputs.n_rows)
    require(G.shape[0] == P.shape[0], "gradient buffer has the wrong length")
    check_targets(&net, inputs.n_rows, T.shape[0], T.shape[1], -1 if sw is None else sw.shape[0])
    cdef const floating *sw_ptr = NULL if sw is None else &sw[0]
    cdef double loss = 0
    cdef int status
    with nogil:
        if floating is float:
            status = bn_loss_grad_f32(&loss, &G[0], &workspace[0], &P[0], &net, &inputs, &T[0, 0],
                                      sw_ptr, NULL, inputs.n_rows)
        else:
            status = bn_loss_grad_f64(&loss, &G[0], &workspace[0], &P[0], &net, &inputs, &T[0, 0],
                                      sw_ptr, NULL, inputs.n_rows)
    check(status)
    return loss


cdef class Epochs:
    """The epochs of one fit: every buffer is checked and bound once, so that each epoch
    is then a single C call (on a tiny network an epoch costs microseconds, and the checks
    would cost more). network has units, activation and output; optimizer its
    hyper-parameters, buffers and counters as attributes named as in OPTIMIZER_FIELDS."""
    cdef object arrays          # holds every bound buffer alive
    cdef object optimizer
    cdef tuple hyper_slots      # the optimizer's hyper-parameters: (name, offset in bn_hyper)
    cdef bn_net net
    cdef bn_optimizer_f32 opt_f32
    cdef bn_optimizer_f64 opt_f64
    cdef bn_rows inputs
    cdef void *P
    cdef void *G
    cdef void *workspace
    cdef const void *T
    cdef const void *sw
    cdef int64_t batch_size
    cdef int64_t workspace_rows  # the largest batch the workspace holds
    cdef bint single
    # epochs run to the end, and the loss sum of the last: Ctrl-C is seen only when the
    # C call returns, too late for the caller to learn that the epoch finished
    cdef readonly int64_t finished
    cdef readonly double last_loss_sum
    # the order array of the last run and its view, held while bound: a fit passes the same
    # array every epoch (shuffled in place), and taking its buffer again each time cost a
    # tiny network's epoch (W3: 4 rows) a tenth of its time
    cdef object bound_order
    cdef const int64_t[::1] order_view

    def __init__(self, network, optimizer, *, P, G, workspace, X, T, sw, double l2,
                 int64_t batch_size):
        cdef int code = optimizer_code(optimizer)
        cdef const int[::1] codes = activation_codes(network.activation, network.units)
        self.optimizer = optimizer
        self.hyper_slots = hyper_slots(code)
        self.batch_size = batch_size
        self.single = single_precision(P.dtype)
        if self.single:
            bind_epochs[float](self, P, G, workspace, network.units, codes,
                               network.output, l2, X.values, X.indptr, X.indices, X.n_rows,
                               X.n_cols, T, sw)
            self.opt_f32.solver = code
            state = bind_state(&self.opt_f32.state, code, optimizer, True, P.shape[0])
        else:
            bind_epochs[double](self, P, G, workspace, network.units, codes,
                                network.output, l2, X.values, X.indptr, X.indices, X.n_rows,
                                X.n_cols, T, sw)
            self.opt_f64.solver = code
            state = bind_state(&self.opt_f64.state, code, optimizer, False, P.shape[0])
        self.arrays = (P, G, workspace, network.units, codes, X, T, sw, state)

    def run(self, order):
        """One epoch over the rows in order (int64, contiguous), in place, with the
        optimizer's hyper-parameters as they are now; returns the size-weighted loss sum."""
        if order is not self.bound_order:
            self.order_view = order
            self.bound_order = order
        cdef const int64_t[::1] rows = self.order_view
        require(min(self.batch_size, rows.shape[0]) <= self.workspace_rows,
                "batches larger than the workspace was sized for")
        cdef double loss_sum = 0
        cdef int status
        if self.single:
            bind_hyper(&self.opt_f32.hyper, self.hyper_slots, self.optimizer)
        else:
            bind_hyper(&self.opt_f64.hyper, self.hyper_slots, self.optimizer)
        with nogil:
            if self.single:
                status = bn_train_epoch_f32(&loss_sum, <float *>self.P, <float *>self.G,
                                            <float *>self.workspace, &self.net, &self.opt_f32,
                                            &self.inputs, <const float *>self.T,
                                            <const float *>self.sw, &rows[0], rows.shape[0],
                                            self.batch_size)
            else:
                status = bn_train_epoch_f64(&loss_sum, <double *>self.P, <double *>self.G,
                                            <double *>self.workspace, &self.net,
                                            &self.opt_f64, &self.inputs,
                                            <const double *>self.T, <const double *>self.sw,
                                            &rows[0], rows.shape[0], self.batch_size)
        check(status)
        self.finished += 1
        self.last_loss_sum = loss_sum
        return loss_sum


cdef int bind_epochs(Epochs epochs, floating[::1] P, floating[::1] G, floating[::1] workspace,
                     const int64_t[::1] units, const int[::1] codes, int output,
                     double l2, const floating[::1] values, const int64_t[::1] indptr,
                     const int64_t[::1] indices, int64_t n_rows, int64_t n_cols,
                     const floating[:, ::1] T,
                     const floating[::1] sw) except -1:
    epochs.net = net_of(units, codes, output, l2)
    epochs.inputs = rows_of(values, indptr, indices, n_rows, n_cols, units[0])
    require(epochs.batch_size >= 1, "batch_size must be at least 1")
    check_buffers(&epochs.net, P.shape[0], workspace.shape[0], 1)
    cdef int64_t row_len
    check(bn_workspace_len_f64(&row_len, &epochs.net, 1))
    epochs.workspace_rows = workspace.shape[0] // row_len
    require(G.shape[0] == P.shape[0], "gradient buffer has the wrong length")
    check_targets(&epochs.net, epochs.inputs.n_rows, T.shape[0], T.shape[1],
                  -1 if sw is None else sw.shape[0])
    epochs.P = &P[0]
    epochs.G = &G[0]
    epochs.workspace = &workspace[0]
    epochs.T = &T[0, 0]
    epochs.sw = NULL if sw is None else &sw[0]
    return 0


def train_epoch(network, optimizer, order, *, P, G, workspace, X, T, sw, l2, batch_size):
    """One epoch of mini-batch training in place on P (and the optimizer's state); returns
    the size-weighted loss sum."""
    epochs = Epochs(network, optimizer, P=P, G=G, workspace=workspace, X=X, T=T, sw=sw,
                    l2=l2, batch_size=batch_size)
    return epochs.run(order)


def predict(floating[:, ::1] Y, floating[::1] workspace, const floating[::1] P,
            const int64_t[::1] units, activation, int output,
            const floating[::1] values, const int64_t[::1] indptr,
            const int64_t[::1] indices, int64_t n_rows, int64_t n_cols, int64_t chunk_rows,
            bint check_finite=False):
    """Y = the network's output for every row of X; workspace holds one chunk's workspace
    for each thread that may run chunks. With check_finite, returns False (Y unspecified)
    if a dense X holds a NaN or an infinity, else True."""
    cdef const int[::1] codes = activation_codes(activation, units)
    cdef bn_net net = net_of(units, codes, output, 0)
    cdef bn_rows inputs = rows_of(values, indptr, indices, n_rows, n_cols, units[0])
    require(chunk_rows >= 1, "chunk_rows must be at least 1")
    check_buffers(&net, P.shape[0], workspace.shape[0], chunk_rows)
    require(Y.shape[0] == inputs.n_rows and Y.shape[1] == units[units.shape[0] - 1], "Y has the wrong shape")
    cdef int64_t chunk_len
    check(bn_workspace_len_f64(&chunk_len, &net, chunk_rows))
    cdef int64_t n_workspaces = workspace.shape[0] // chunk_len
    cdef int status
    with nogil:
        if floating is float:
            status = bn_predict_f32(&Y[0, 0], &workspace[0], n_workspaces, &P[0], &net,
                                    &inputs, chunk_rows, check_finite)
        else:
            status = bn_predict_f64(&Y[0, 0], &workspace[0], n_workspaces, &P[0], &net,
                                    &inputs, chunk_rows, check_finite)
    if status == BN_ENONFINITE:
        return False
    check(status)
    return True
