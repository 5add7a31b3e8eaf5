/*
 * The transformer's work on one partition: rows are read in windows, the window's rows are grouped
 * by length, each group runs as [rows x length] device calls of at most batchSize rows, and the
 * window's rows leave in the order they came, each with its result appended. A window ends when one
 * length has batchSize rows or the window holds WINDOW_ELEMENTS elements, which bounds the memory a
 * task holds whatever the mix of lengths.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Supplier;

/**
 * An iterator of output rows over a partition's input rows.
 *
 * @param <R> the row form (see {@link RowCodec})
 */
final class PartitionSoftmax<R> implements Iterator<R> {
    /** Most logits held by one window (16 MiB of float32, 32 MiB of float64, besides the rows). */
    static final long WINDOW_ELEMENTS = 1L << 22;

    private final Iterator<R> in;
    private final RowOp spec;
    private final RowCodec<R> codec;
    private final SoftmaxOp op;
    private final Supplier<SoftmaxEngine> engines;
    private final ArrayDeque<R> ready = new ArrayDeque<>();
    private SoftmaxEngine engine;

    /** One input row of the current window: what the codec keeps of it, its logits, mask and result. */
    private static final class Pending {
        final Object kept;
        final Object values;
        final byte[] mask;
        Object result;

        Pending(Object kept, Object values, byte[] mask) {
            this.kept = kept;
            this.values = values;
            this.mask = mask;
            this.result = values;
        }
    }

    /**
     * @param in the partition's rows
     * @param spec what to compute
     * @param codec how to read and write the rows
     * @param engines gives the engine at the first device call (a partition of nulls opens none)
     */
    PartitionSoftmax(Iterator<R> in, RowOp spec, RowCodec<R> codec, Supplier<SoftmaxEngine> engines) {
        this.in = in;
        this.spec = spec;
        this.codec = codec;
        this.op = spec.op();
        this.engines = engines;
    }

    @Override
    public boolean hasNext() {
        if (ready.isEmpty() && in.hasNext()) {
            fill();
        }
        return !ready.isEmpty();
    }

    @Override
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private void fill() {
        List<Pending> window = new ArrayList<>();
        Map<Integer, List<Pending>> groups = new LinkedHashMap<>();
        long elements = 0;
        while (in.hasNext()) {
            R row = in.next();
            Object values = codec.logits(row);
            byte[] mask = values == null ? null : codec.mask(row);
            Pending p = new Pending(codec.keep(row, values), values, mask);
            window.add(p);
            if (values == null) {
                continue;
            }
            int n = LogitsColumn.length(values);
            if (mask != null && mask.length != n) {
                throw new IllegalArgumentException("a row of " + n + " logits has a mask of " + mask.length
                        + " entries; the mask column needs one entry per logit");
            }
            if (n == 0) {
                continue;
            }
            List<Pending> g = groups.computeIfAbsent(n, k -> new ArrayList<>());
            g.add(p);
            elements += n;
            if (g.size() >= spec.batchSize() || elements >= WINDOW_ELEMENTS) {
                break;
            }
        }
        for (Map.Entry<Integer, List<Pending>> g : groups.entrySet()) {
            List<Pending> rows = g.getValue();
            for (int from = 0; from < rows.size(); from += spec.batchSize()) {
                run(rows.subList(from, Math.min(rows.size(), from + spec.batchSize())), g.getKey());
            }
        }
        for (Pending p : window) {
            ready.add(codec.output(p.kept, p.result));
        }
    }

    /** One device call for rows of one length: packed, computed, unpacked into each row's result. */
    private void run(List<Pending> rows, int n) {
        int count = rows.size();
        boolean masked = false;
        for (Pending p : rows) {
            masked |= p.mask != null;
        }
        byte[] mask = null;
        if (masked) {
            mask = new byte[count * n];
            for (int r = 0; r < count; r++) {
                byte[] m = rows.get(r).mask;
                if (m == null) {
                    java.util.Arrays.fill(mask, r * n, (r + 1) * n, (byte) 1);
                } else {
                    System.arraycopy(m, 0, mask, r * n, n);
                }
            }
        }
        SoftmaxOp callOp = mask == null ? op : op.withMask(mask);
        if (engine == null) {
            engine = engines.get();
        }
        // One packed copy of the rows in the column's element type: ours, so computed in place.
        Class<?> element = spec.kind() == LogitsColumn.FLOAT_ARRAY ? float.class : double.class;
        Object x = Array.newInstance(element, count * n);
        for (int r = 0; r < count; r++) {
            System.arraycopy(rows.get(r).values, 0, x, r * n, n);
        }
        HostTensor t = x instanceof float[] f ? HostTensor.of(f, count, n) : HostTensor.of((double[]) x, count, n);
        engine.forward(t, t, callOp);
        for (int r = 0; r < count; r++) {
            Object result = Array.newInstance(element, n);
            System.arraycopy(x, r * n, result, 0, n);
            rows.get(r).result = result;
        }
    }
}
