/* Checks shared by both precisions (compiled once). */
#include "bendernet.h"

int bn_index_check(const int64_t *rows, int64_t m, int64_t n_rows)
{
    if (m < 0 || (m > 0 && !rows))
        return BN_EINVAL;
    for (int64_t i = 0; i < m; i++)
        if (rows[i] < 0 || rows[i] >= n_rows)
            return BN_EINVAL;
    return BN_OK;
}
