/* test_missing.cl - includes a header that does not exist. */
#include "no_such_header.clh"
