#!/usr/bin/python3
# Regenerates the .npy fixtures that NpyFixturesTest reads, using real NumPy so that the Java
# reader is checked against NumPy's own writer rather than against our idea of the format.
# Run from this directory with the system interpreter (it has NumPy 1.24):
#     /usr/bin/python3 make_fixtures.py
# Every numeric fixture holds value(i) = i * 0.5 - 1.25 at flat C-order index i, a formula the
# Java tests recompute; all such values are exact in float16, float32 and float64.
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def values(shape, dtype):
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n, dtype=np.float64) * 0.5 - 1.25).astype(dtype).reshape(shape)


def save(name, array, version=None, allow_pickle=False):
    with open(os.path.join(HERE, name), 'wb') as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=allow_pickle)


save('f4_2x3.npy', values((2, 3), '<f4'))
save('f8_scalar.npy', values((), '<f8'))
save('f8_7.npy', values((7,), '<f8'))
save('f4_2x3x4.npy', values((2, 3, 4), '<f4'))
save('f4_be_3x5.npy', values((3, 5), '>f4'))
save('f8_be_4x3.npy', values((4, 3), '>f8'))
save('f2_3x4.npy', values((3, 4), '<f2'))
save('f2_be_2x3.npy', values((2, 3), '>f2'))
save('b1_2x5.npy', (np.arange(10) % 3 == 0).reshape(2, 5))
save('f4_v2_2x3.npy', values((2, 3), '<f4'), version=(2, 0))
save('f4_v3_2x3.npy', values((2, 3), '<f4'), version=(3, 0))
save('f4_empty_0x5.npy', values((0, 5), '<f4'))
save('f4_fortran_3x4.npy', np.asfortranarray(values((3, 4), '<f4')))
save('i4_2x3.npy', np.arange(6, dtype='<i4').reshape(2, 3))
save('c8_3.npy', np.arange(3, dtype='<c8'))
save('u3_2.npy', np.array(['abc', 'de'], dtype='<U3'))
save('object_2.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
save('structured_2.npy', np.zeros(2, dtype=[('x', '<f4'), ('y', '<i4')]))

# float32 -> float16 rounding cases, for the Java Float16 conversions: ties to even, the largest
# finite half, overflow to infinity, the smallest normal and subnormals, underflow to zero,
# signed zeros, infinities and NaN.
rng = np.random.default_rng(20240601)
special = np.array([
    0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, 65504.0, 65519.99, 65520.0, 1e6, -1e6,
    6.103515625e-05, 6.0e-05, 5.960464477539063e-08, 2.98023223876953125e-08,
    2.9802326e-08, 1e-9, -1e-9, 1.00048828125, 1.00146484375, 2049.0, 2051.0,
    np.inf, -np.inf, np.nan,
], dtype='<f4')
half_ulp_mid = (np.arange(1, 2049, dtype=np.float32) * np.float32(2.0 ** -24) * np.float32(1.5))
random = (rng.standard_normal(400) * np.exp(rng.uniform(-18, 12, 400))).astype('<f4')
as_f4 = np.concatenate([special, half_ulp_mid[:200], random]).astype('<f4')
with np.errstate(over='ignore'):  # overflow to infinity is one of the cases
    as_f2 = as_f4.astype('<f2')
save('rounding_f4.npy', as_f4)
save('rounding_f2.npy', as_f2)
save('rounding_f2_as_f4.npy', as_f2.astype('<f4'))
