/* test_broken.cl - a kernel file with a compile error on line 5, after an include. */
#include "softmax_common.clh"
#include "softmax_storage.clh"

__kernel void broken(__global real *y) { y[0] = undeclared_name; }
