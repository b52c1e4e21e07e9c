// Square roots of an array of floats, in C because Swift's `squareRoot()` calls the C library's sqrtf for its errno
// on a negative value, which keeps the loop scalar, and its vector types' square root is taken a lane at a time. The
// vector square root here is the instruction's, correctly rounded like the scalar one: the same bits.
#include "berth_kernels.h"
#include <string.h>

typedef float berth_float8 __attribute__((ext_vector_type(8)));

void berth_square_root_f32(const float *in, float *out, long count) {
    long index = 0;
    for (; index + 8 <= count; index += 8) {
        berth_float8 values;
        memcpy(&values, in + index, sizeof values);
        values = __builtin_elementwise_sqrt(values);
        memcpy(out + index, &values, sizeof values);
    }
    for (; index < count; index++) out[index] = __builtin_elementwise_sqrt(in[index]);
}
