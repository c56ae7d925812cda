# Included into _kernels.pyx: the glue for the optimizers of csrc/network/optimizers.def
# (shares the helpers check and require defined there). An optimizer object's fields are
# filled by name, through the C core's list of them, so that no optimizer is named here.

# ---- optimizers ------------------------------------------------------------------------------

#: The C core's optimizers, in the order of their codes (csrc/network/optimizers.def).
OPTIMIZER_NAMES = tuple(bn_optimizer_names[code].decode() for code in range(BN_N_OPTIMIZERS))


cdef tuple field_names(int code, int kind):
    cdef const bn_field *field = bn_optimizer_fields(code)
    names = []
    while field.name != NULL:
        if field.kind == kind:
            names.append(field.name.decode())
        field += 1
    return tuple(names)


#: Per optimizer, the names of its hyper-parameters, its buffers (one value per parameter)
#: and its counters (one int64): the attributes its Python class must have.
OPTIMIZER_FIELDS = {
    name: {"hyper_parameters": field_names(code, BN_FIELD_HYPER),
           "buffers": field_names(code, BN_FIELD_BUFFER),
           "counters": field_names(code, BN_FIELD_COUNTER)}
    for code, name in enumerate(OPTIMIZER_NAMES)
}


cdef int optimizer_code(object optimizer) except -1:
    name = getattr(optimizer, "name", None)
    require(name in OPTIMIZER_NAMES,
            f"no optimizer {name!r} in the C core; it has {', '.join(OPTIMIZER_NAMES)}")
    return OPTIMIZER_NAMES.index(name)


cdef tuple hyper_slots(int code):
    """(name, offset in bn_hyper) of each hyper-parameter of optimizer `code`, read from the
    C core's list once per fit rather than each epoch"""
    cdef const bn_field *field = bn_optimizer_fields(code)
    slots = []
    while field.name != NULL:
        if field.kind == BN_FIELD_HYPER:
            slots.append((field.name.decode(), field.offset))
        field += 1
    return tuple(slots)


cdef int bind_hyper(bn_hyper *hyper, tuple slots, object optimizer) except -1:
    """hyper's fields (hyper_slots) = the optimizer's attributes of the same names, as they
    are now"""
    cdef Py_ssize_t offset
    for name, offset in slots:
        (<double *>(<char *>hyper + offset))[0] = getattr(optimizer, name)
    return 0


cdef list bind_state(void *state, int code, object optimizer, bint single,
                     Py_ssize_t n_params):
    """state's pointers = the optimizer's arrays of the same names: buffers of n_params
    reals of the parameters' precision, counters of one int64. Returns the arrays, for the
    caller to hold alive while state is in use."""
    cdef const bn_field *field = bn_optimizer_fields(code)
    cdef float[::1] singles
    cdef double[::1] doubles
    cdef int64_t[::1] counter
    cdef void *address
    arrays = []
    while field.name != NULL:
        if field.kind != BN_FIELD_HYPER:
            name = field.name.decode()
            wrong_length = f"optimizer buffer {name} has the wrong length"
            array = getattr(optimizer, name)
            if field.kind == BN_FIELD_COUNTER:
                counter = array
                require(counter.shape[0] == 1, f"optimizer counter {name} must hold one value")
                address = &counter[0]
            elif single:
                singles = array
                require(singles.shape[0] == n_params, wrong_length)
                address = &singles[0]
            else:
                doubles = array
                require(doubles.shape[0] == n_params, wrong_length)
                address = &doubles[0]
            (<void **>(<char *>state + field.offset))[0] = address
            arrays.append(array)
        field += 1
    return arrays


def optimizer_step(floating[::1] P, const floating[::1] G, optimizer):
    """One step of optimizer on P from G: its counters += 1, then its step. The optimizer
    holds its hyper-parameters and state as attributes named as in OPTIMIZER_FIELDS."""
    require(G.shape[0] == P.shape[0], "buffer lengths differ")
    cdef int code = optimizer_code(optimizer)
    cdef bn_optimizer_f32 single
    cdef bn_optimizer_f64 double_
    cdef int status
    if floating is float:
        single.solver = code
        bind_hyper(&single.hyper, hyper_slots(code), optimizer)
        arrays = bind_state(&single.state, code, optimizer, True, P.shape[0])
        with nogil:
            status = bn_optimizer_step_f32(&P[0], &G[0], P.shape[0], &single)
    else:
        double_.solver = code
        bind_hyper(&double_.hyper, hyper_slots(code), optimizer)
        arrays = bind_state(&double_.state, code, optimizer, False, P.shape[0])
        with nogil:
            status = bn_optimizer_step_f64(&P[0], &G[0], P.shape[0], &double_)
    check(status)
