/*
 * The computation `run` applies to each chunk streamed from a .npy file: one softmax-family op on
 * the chunk's direct buffers (zero-copy where the device shares host memory), with the chunk's part
 * of the mask, on one engine or a device group. Every op, axis and element type takes this one path.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxOp;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Computes chunks of whole outer slices (or rows) with one op. */
final class FamilyChunks implements StreamingSoftmax.ChunkCompute {
    /** An engine's or a device group's forward. */
    @FunctionalInterface
    interface Forward {
        void forward(HostTensor x, HostTensor y, SoftmaxOp op);
    }

    private final Forward engine;
    private final ElementType type;
    private final long k;
    private final long inner;
    private final SoftmaxOp op;
    private final MaskSource mask;

    FamilyChunks(Forward engine, ElementType type, long k, long inner, SoftmaxOp op, MaskSource mask) {
        this.engine = engine;
        this.type = type;
        this.k = k;
        this.inner = inner;
        this.op = op;
        this.mask = mask;
    }

    @Override
    public void compute(ByteBuffer src, ByteBuffer dst, long firstUnit, long units) throws IOException {
        long n = units * k * inner;
        long[] shape = inner == 1 ? new long[] {units, k} : new long[] {units, k, inner};
        byte[] m = mask.chunk(firstUnit * k * inner, Math.toIntExact(n));
        SoftmaxOp chunkOp = (m == null ? op : op.withMask(m)).withAxis(1);
        engine.forward(HostTensor.of(src.position(0), type, shape), HostTensor.of(dst.position(0), type, shape),
                chunkOp);
    }
}
