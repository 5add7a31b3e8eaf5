#!/usr/bin/python3
# Regenerates the seed corpus of the Jazzer fuzz tests (NpyFuzzTest, MaskSourceFuzzTest): a few
# valid files (copies of the NumPy-written fixtures here) and hand-broken ones, one case per kind of
# damage the reader must refuse. `mvn test` replays every seed; a fuzzing run starts from them.
# Files it does not write (crash-* inputs a fuzzing run saved) are left alone: they are regression
# inputs.
# Standard library only. Run from anywhere:
#     python3 src/test/resources/npy/make_fuzz_seeds.py
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.dirname(HERE)
NPY = os.path.join(RES, 'io', 'github', 'softmaxcl', 'npy', 'NpyFuzzTestInputs')
CLI = os.path.join(RES, 'io', 'github', 'softmaxcl', 'cli', 'MaskSourceFuzzTestInputs')


def header(major, text, minor=0):
    t = text.encode('utf-8' if major == 3 else 'latin-1')
    length = struct.pack('<H', len(t)) if major == 1 else struct.pack('<I', len(t))
    return b'\x93NUMPY' + bytes([major, minor]) + length + t


def dict_(descr, shape, fortran='False'):
    return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }\n" % (descr, fortran, shape)


def fixture(name):
    with open(os.path.join(HERE, name), 'rb') as f:
        return f.read()


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), 'wb') as f:
        f.write(data)


reader = os.path.join(NPY, 'readerReadsOrRefuses')
for name in ('f4_2x3.npy', 'f2_be_2x3.npy', 'f8_scalar.npy', 'b1_2x5.npy', 'f4_v2_2x3.npy', 'f4_v3_2x3.npy',
             'f4_empty_0x5.npy', 'f4_fortran_3x4.npy', 'i4_2x3.npy', 'structured_2.npy'):
    write(reader, name, fixture(name))
good = header(1, dict_('<f4', '(2,)')) + bytes(8)
write(reader, 'bad-magic', good[:1] + b'n' + good[2:])
write(reader, 'version-4', header(4, dict_('<f4', '(2,)')) + bytes(8))
write(reader, 'cut-length-field', header(2, dict_('<f4', '(2,)'))[:10])
write(reader, 'cut-header', good[:30])
write(reader, 'length-past-end', header(2, dict_('<f4', '(2,)'))[:8] + struct.pack('<I', 1 << 30) + bytes(40))
write(reader, 'short-data', header(1, dict_('<f4', '(2, 3)')) + bytes(20))
write(reader, 'extra-data', header(1, dict_('<f8', '(2,)')) + bytes(19))
write(reader, 'count-overflow', header(1, dict_('<f4', '(4294967296, 4294967296)')) + bytes(4))
write(reader, 'bytes-overflow', header(1, dict_('<f8', '(4611686018427387904,)')) + bytes(4))
write(reader, 'bad-utf8-v3', header(3, dict_('<f4', '(2,)')).replace(b'<f4', b'<\xff4') + bytes(8))
write(reader, 'no-comma', header(1, "{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }\n") + bytes(8))
write(reader, 'shape-not-tuple', header(1, dict_('<f4', '(2)')) + bytes(8))
write(reader, 'negative-dim', header(1, dict_('<f4', '(-2,)')) + bytes(8))

# First byte: format version (byte % 3 + 1) and data bytes ((byte >> 2) % 17); the rest, header text.
text = os.path.join(NPY, 'headerTextParsesOrIsRefused')
write(text, 'v1-f4-2', bytes([33]) + dict_('<f4', '(2,)').encode())          # 1.0, 8 data bytes
write(text, 'v2-f8-scalar', bytes([34]) + dict_('<f8', '()').encode())      # 2.0, 8 data bytes
write(text, 'v3-b1-2x3', bytes([26]) + dict_('|b1', '(2, 3)').encode())      # 3.0, 6 data bytes
write(text, 'v1-py2-long', bytes([33]) + b"{'shape': (2L,), 'descr': '<f4', 'fortran_order': False}")
write(text, 'v1-structured', bytes([0]) + b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (), }")
write(text, 'v1-unknown-key', bytes([0]) + b"{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'x': 1}")

# First byte: dtype (bool, float16, float32, float64 in NpyDType order); then one byte per dimension.
encoded = os.path.join(NPY, 'encodedHeadersReadBack')
write(encoded, 'f4-2x3', bytes([2, 2, 3]))
write(encoded, 'f8-scalar', bytes([3]))
write(encoded, 'b1-4x4x4', bytes([0, 4, 4, 4]))
write(encoded, 'f2-empty', bytes([1, 3, 0]))

# First byte: the input's shape (bits 0-1: (2, 5), (5,), (2, 3, 5), (3, 2)) and axis (bit 2: 0, else
# last); the rest is the mask file.
mask = os.path.join(CLI, 'maskLoadsOrIsRefused')
b1 = fixture('b1_2x5.npy')
row = header(1, dict_('|b1', '(5,)')) + bytes([1, 0, 1, 1, 0])
write(mask, 'full-2x5', bytes([0]) + b1)
write(mask, 'full-2x5-axis0', bytes([4]) + b1)
write(mask, 'row-broadcast', bytes([0]) + row)
write(mask, 'row-for-1d', bytes([1]) + row)
write(mask, 'row-on-axis0', bytes([4]) + row)
write(mask, 'wrong-shape', bytes([3]) + b1)
write(mask, 'float-mask', bytes([0]) + fixture('f4_2x3.npy'))
write(mask, 'cut-mask', bytes([0]) + b1[:-3])
