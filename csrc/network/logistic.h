/* The logistic function, for the logistic activation (activations.c) and the logistic
 * output layer (loss.c). Internal; include after real.h and <tgmath.h>. */

/* 1 / (1 + e^-x), with exp of a non-positive number only, so that it never overflows */
static inline real logistic(real x)
{
    if (x >= 0)
        return 1 / (1 + exp(-x));
    real e = exp(x);
    return e / (1 + e);
}
