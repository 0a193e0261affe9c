/* deps_repo — seed 000's service_dependencies association table.
 * Thread: the Store's owner. */
#ifndef RESOPS_STORE_DEPS_REPO_H
#define RESOPS_STORE_DEPS_REPO_H

#include <stdint.h>
#include "store/store.h"

/* Replace the dependency list of a service. */
int deps_repo_set(Store *st, int64_t service_id, const int64_t *deps, int n);

#endif
