/*
 * One chunk of `run` with family options (log, temperature, mask, another axis) or float16 data:
 * the chunk's bytes go through the engine's array API in arrays of one chunk's size, reused across
 * chunks, so the heap needed still does not grow with the file.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.HalfFormat;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOptions;
import io.github.softmaxcl.npy.NpyDType;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Computes chunks of whole outer slices (or rows) with the softmax family. */
final class FamilyChunks implements StreamingSoftmax.ChunkCompute {
    private final SoftmaxEngine engine;
    private final NpyDType dtype;
    private final long k;
    private final long inner;
    private final SoftmaxOptions options;
    private final MaskSource mask;
    private Object in;
    private Object out;

    FamilyChunks(SoftmaxEngine engine, NpyDType dtype, long k, long inner, SoftmaxOptions options, MaskSource mask) {
        this.engine = engine;
        this.dtype = dtype;
        this.k = k;
        this.inner = inner;
        this.options = options;
        this.mask = mask;
    }

    @Override
    public void compute(ByteBuffer src, ByteBuffer dst, long firstUnit, long units) throws IOException {
        long n = units * k * inner;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a chunk of " + n + " elements does not fit a Java array; use a smaller"
                    + " --chunk-rows");
        }
        int count = (int) n;
        long[] shape = inner == 1 ? new long[] {units, k} : new long[] {units, k, inner};
        byte[] m = mask.chunk(firstUnit * k * inner, count);
        switch (dtype) {
            case FLOAT32 -> {
                float[] a = in instanceof float[] f && f.length == count ? f : new float[count];
                float[] b = out instanceof float[] f && f.length == count ? f : new float[count];
                src.asFloatBuffer().get(a);
                engine.softmax(a, b, shape, 1, options, m);
                dst.asFloatBuffer().put(b);
                in = a;
                out = b;
            }
            case FLOAT64 -> {
                double[] a = in instanceof double[] f && f.length == count ? f : new double[count];
                double[] b = out instanceof double[] f && f.length == count ? f : new double[count];
                src.asDoubleBuffer().get(a);
                engine.softmax(a, b, shape, 1, options, m);
                dst.asDoubleBuffer().put(b);
                in = a;
                out = b;
            }
            case FLOAT16 -> {
                short[] a = in instanceof short[] f && f.length == count ? f : new short[count];
                short[] b = out instanceof short[] f && f.length == count ? f : new short[count];
                src.asShortBuffer().get(a);
                engine.softmax(a, b, shape, 1, HalfFormat.FLOAT16, options, m);
                dst.asShortBuffer().put(b);
                in = a;
                out = b;
            }
            default -> throw new IllegalStateException("unsupported dtype " + dtype);
        }
    }
}
