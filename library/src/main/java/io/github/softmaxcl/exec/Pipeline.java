/*
 * The one data path for host memory: every op (softmax, log, temperature, masks, any axis, 16-bit
 * types, gradients) on every kind of host memory runs through here. A call is cut into chunks of
 * whole units (rows, or outer slices for another axis) that fit one device buffer, aligned to the
 * plan's row group so chunked results are bit-identical to one call. Each chunk takes one of three
 * strategies, chosen once per call:
 *   zero-copy   direct buffers on host-unified devices: the kernels use the caller's memory;
 *   staged      one queue, reused device buffers, blocking copies straight from arrays/pointers;
 *   overlapped  discrete devices, large calls: chunks alternate between two queues, so one chunk's
 *               transfers overlap the other's kernels (through reused direct host staging).
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClQueue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.CL;
import org.jocl.Pointer;

/** Runs a job over host memory in chunks. */
final class Pipeline {
    /** Calls smaller than this gain nothing from overlap on discrete devices. */
    static final long OVERLAP_MIN_BYTES = 64L << 20;
    /** Chunks an overlapped call is cut into, at least: enough for the two queues to interleave. */
    static final int OVERLAP_CHUNKS = 8;

    /** The device work of one chunk. */
    @FunctionalInterface
    interface Step {
        /**
         * @param lane queue and launcher to use
         * @param in input buffers holding the chunk
         * @param out the output buffer
         * @param mask the mask buffer (whole chunk, or the broadcast row), or null
         * @param units units in this chunk
         */
        void run(Lane lane, ClBuffer[] in, ClBuffer out, ClBuffer mask, long units);
    }

    /**
     * One call.
     *
     * @param type element type of inputs and output
     * @param inputs input operands
     * @param output output operand
     * @param fullMask a mask with one byte per element, chunked with the data, or null
     * @param rowMask a mask row broadcast to every row, or null
     * @param units rows or outer slices
     * @param unitElements elements per unit
     * @param group units that must stay in one chunk
     * @param step the kernels
     */
    record Job(ElementType type, HostData[] inputs, HostData output, HostData fullMask, byte[] rowMask, long units,
            long unitElements, int group, Step step) {}

    private final EngineCore core;
    /** The chunk being run, 0 between calls: fault reports for calls made below the pipeline (builds). */
    private long current;

    Pipeline(EngineCore core) {
        this.core = core;
    }

    /** @return the index of the chunk being run, or 0 outside a call */
    long chunk() {
        return current;
    }

    void run(Job job) {
        boolean direct = job.output().isDirect();
        for (HostData h : job.inputs()) {
            direct &= h.isDirect();
        }
        Boolean forced = core.config().overlap();
        boolean unified = core.device().hostUnifiedMemory();
        long total = job.units() * job.unitElements() * job.type().bytes();
        boolean overlapped = forced != null ? forced : !unified && total >= OVERLAP_MIN_BYTES;
        boolean zeroCopy = direct && unified && !overlapped;
        long chunk = chunkUnits(job, overlapped, zeroCopy);
        Lane[] lanes = overlapped ? core.lanes(2) : core.lanes(1);
        ClBuffer rowMask = null;
        if (job.rowMask() != null) {
            rowMask = core.pool().device("mask-row", job.rowMask().length, 0);
            rowMask.write(lanes[0].queue(), 0, job.rowMask().length, Pointer.to(job.rowMask()));
        }
        long[] pendingFrom = {-1, -1};
        int[] pendingCount = {0, 0};
        try {
            long c = 0;
            for (long u0 = 0; u0 < job.units(); u0 += chunk, c++) {
                long n = Math.min(chunk, job.units() - u0);
                current = c;
                if (zeroCopy) {
                    zeroCopyChunk(job, lanes[0], rowMask, u0, n, c);
                } else {
                    int s = (int) (c % lanes.length);
                    drain(job, lanes, s, pendingFrom, pendingCount);
                    stagedChunk(job, lanes[s], s, overlapped, rowMask, u0, n, chunk, c);
                    if (overlapped) {
                        pendingFrom[s] = u0 * job.unitElements();
                        pendingCount[s] = (int) (n * job.unitElements());
                    }
                }
            }
            for (int s = 0; s < lanes.length; s++) {
                drain(job, lanes, s, pendingFrom, pendingCount);
            }
        } finally {
            current = 0;
            // On failure no command may still use caller or staging memory when we return.
            for (Lane l : lanes) {
                l.finishQuietly();
            }
        }
    }

    /** Units per chunk: what fits one device buffer (and one Java buffer), aligned to the row group. */
    private long chunkUnits(Job job, boolean overlapped, boolean zeroCopy) {
        long unitBytes = job.unitElements() * job.type().bytes();
        long cap = core.maxChunkBytes();
        if (overlapped) {
            cap = Math.max(unitBytes, Math.min(cap, job.units() * unitBytes / OVERLAP_CHUNKS));
        }
        // Host staging and buffer slices are indexed by int.
        long intCap = zeroCopy ? (long) Integer.MAX_VALUE * job.type().bytes() : Integer.MAX_VALUE;
        cap = Math.min(cap, Math.max(unitBytes, intCap - intCap % unitBytes));
        long n = Math.max(1, Math.min(job.units(), cap / unitBytes));
        int group = job.group();
        return n < job.units() && n >= group ? n / group * group : n;
    }

    private void stagedChunk(Job job, Lane lane, int s, boolean async, ClBuffer rowMask, long u0, long n, long chunk,
            long c) {
        int eb = job.type().bytes();
        long from = u0 * job.unitElements();
        int count = (int) (n * job.unitElements());
        long bytes = (long) count * eb;
        long size = chunk * job.unitElements() * eb;
        ClQueue q = lane.queue();
        ClBuffer[] in = new ClBuffer[job.inputs().length];
        for (int i = 0; i < in.length; i++) {
            in[i] = core.pool().device("in" + i + "/" + s, size, c);
        }
        ClBuffer out = core.pool().device("out/" + s, size, c);
        ClBuffer mask = rowMask;
        if (job.fullMask() != null) {
            mask = core.pool().device("mask/" + s, chunk * job.unitElements(), c);
        }
        for (int i = 0; i < in.length; i++) {
            HostData h = job.inputs()[i];
            Pointer p = async ? null : h.pointer();
            core.faults().before("clEnqueueWriteBuffer", c);
            if (p != null) {
                in[i].write(q, 0, bytes, p.withByteOffset(from * eb));
            } else {
                ByteBuffer stage = core.pool().host("in" + i + "/" + s, size);
                h.copyOut(from, count, stage);
                if (async) {
                    in[i].writeAsync(q, 0, bytes, stage);
                } else {
                    in[i].write(q, 0, bytes, Pointer.to(stage));
                }
            }
        }
        if (job.fullMask() != null) {
            mask.write(q, 0, count, job.fullMask().pointer().withByteOffset(from));
        }
        if (core.config().poison()) {
            fillNaN(q, out, bytes, job.type(), core.device().simulator());
        }
        core.faults().before("clEnqueueNDRangeKernel", c);
        job.step().run(lane, in, out, mask, n);
        core.faults().before("clEnqueueReadBuffer", c);
        Pointer p = async ? null : job.output().pointer();
        if (p != null) {
            out.read(q, 0, bytes, p.withByteOffset(from * eb));
        } else {
            ByteBuffer stage = core.pool().host("out/" + s, size);
            if (async) {
                out.readAsync(q, 0, bytes, stage);
                q.flush();
            } else {
                out.read(q, 0, bytes, Pointer.to(stage));
                job.output().copyIn(stage, from, count);
            }
        }
    }

    /** Waits for slot {@code s}'s chunk in flight, then copies its output to the caller. */
    private void drain(Job job, Lane[] lanes, int s, long[] pendingFrom, int[] pendingCount) {
        if (pendingFrom[s] >= 0) {
            lanes[s].queue().finish();
            job.output().copyIn(core.pool().host("out/" + s, 0), pendingFrom[s], pendingCount[s]);
            pendingFrom[s] = -1;
        }
    }

    private void zeroCopyChunk(Job job, Lane lane, ClBuffer rowMask, long u0, long n, long c) {
        int eb = job.type().bytes();
        long from = u0 * job.unitElements();
        long count = n * job.unitElements();
        HostData[] inputs = job.inputs();
        ClBuffer[] in = new ClBuffer[inputs.length];
        ClBuffer out = null;
        try {
            for (int i = 0; i < in.length; i++) {
                int alias = aliasOf(inputs, i, inputs[i]);
                in[i] = alias >= 0 ? in[alias] : wrap(inputs[i], from, count, eb, c);
            }
            int alias = aliasOf(inputs, inputs.length, job.output());
            out = alias >= 0 ? in[alias] : wrap(job.output(), from, count, eb, c);
            ClBuffer mask = rowMask;
            if (job.fullMask() != null) {
                mask = core.pool().device("mask/0", count, c);
                mask.write(lane.queue(), 0, count, job.fullMask().pointer().withByteOffset(from));
            }
            if (core.config().poison() && alias < 0) {
                fillNaN(lane.queue(), out, count * eb, job.type(), core.device().simulator());
            }
            core.faults().before("clEnqueueNDRangeKernel", c);
            job.step().run(lane, in, out, mask, n);
            out.syncToHost(lane.queue(), 0, count * eb);
        } finally {
            lane.finishQuietly();
            for (ClBuffer b : in) {
                if (b != null) {
                    b.close();
                }
            }
            if (out != null) {
                out.close();
            }
        }
    }

    private static int aliasOf(HostData[] inputs, int before, HostData h) {
        for (int j = 0; j < before; j++) {
            if (inputs[j].sameAs(h)) {
                return j;
            }
        }
        return -1;
    }

    private ClBuffer wrap(HostData h, long from, long count, int eb, long c) {
        core.faults().before("clCreateBuffer", c);
        java.nio.Buffer slice = h.directSlice(from, count);
        return ClBuffer.wrap(core.context(), CL.CL_MEM_READ_WRITE, slice, slice instanceof ByteBuffer ? 1 : eb);
    }

    /**
     * Fills {@code bytes} of {@code b} with NaN of {@code type}: outputs are poisoned before kernels
     * in verification, so an element a kernel never writes fails the comparison. On a simulator the
     * NaNs are written in one transfer instead (see {@link ClBuffer#fill}).
     *
     * @param q the queue
     * @param b the buffer
     * @param bytes bytes to fill
     * @param type element type
     * @param simulator whether the device is a simulator
     */
    static void fillNaN(ClQueue q, ClBuffer b, long bytes, ElementType type, boolean simulator) {
        ByteBuffer pattern = ByteBuffer.allocate(type.bytes()).order(ByteOrder.nativeOrder());
        switch (type) {
            case FLOAT32 -> pattern.putFloat(Float.NaN);
            case FLOAT64 -> pattern.putDouble(Double.NaN);
            case FLOAT16 -> pattern.putShort((short) 0x7E00);
            case BFLOAT16 -> pattern.putShort((short) 0x7FC0);
        }
        b.fill(q, bytes, pattern.array(), simulator);
    }
}
