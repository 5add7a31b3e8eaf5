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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** An iterator of output rows over a partition's input rows. */
final class PartitionSoftmax implements Iterator<Row> {
    /** Most logits held by one window (16 MiB of float32, 32 MiB of float64, besides the rows). */
    static final long WINDOW_ELEMENTS = 1L << 22;

    private final Iterator<Row> in;
    private final RowOp spec;
    private final SoftmaxOp op;
    private final Supplier<SoftmaxEngine> engines;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private SoftmaxEngine engine;

    /** One input row of the current window: its columns, logits, mask and result. */
    private static final class Pending {
        final Object[] columns;
        final Object values;
        final byte[] mask;
        Object result;

        Pending(Object[] columns, Object values, byte[] mask) {
            this.columns = columns;
            this.values = values;
            this.mask = mask;
            this.result = values;
        }
    }

    /**
     * @param in the partition's rows
     * @param spec what to compute
     * @param engines gives the engine at the first device call (a partition of nulls opens none)
     */
    PartitionSoftmax(Iterator<Row> in, RowOp spec, Supplier<SoftmaxEngine> engines) {
        this.in = in;
        this.spec = spec;
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
    public Row next() {
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
            Row row = in.next();
            Object values = spec.kind().read(row.get(spec.input()));
            byte[] mask = values == null || spec.mask() < 0 ? null : LogitsColumn.readMask(row.get(spec.mask()));
            Pending p = new Pending(columns(row, values), values, mask);
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
            ready.add(output(p));
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
        if (spec.kind() == LogitsColumn.FLOAT_ARRAY) {
            float[] x = new float[count * n];
            for (int r = 0; r < count; r++) {
                System.arraycopy(rows.get(r).values, 0, x, r * n, n);
            }
            engine.forward(HostTensor.of(x, count, n), HostTensor.of(x, count, n), callOp);
            for (int r = 0; r < count; r++) {
                rows.get(r).result = java.util.Arrays.copyOfRange(x, r * n, (r + 1) * n);
            }
        } else {
            double[] x = new double[count * n];
            for (int r = 0; r < count; r++) {
                System.arraycopy(rows.get(r).values, 0, x, r * n, n);
            }
            engine.forward(HostTensor.of(x, count, n), HostTensor.of(x, count, n), callOp);
            for (int r = 0; r < count; r++) {
                rows.get(r).result = java.util.Arrays.copyOfRange(x, r * n, (r + 1) * n);
            }
        }
    }

    /**
     * The row's columns, with room for the result. The logits column holds the primitive array just
     * read (never written to) instead of Spark's Seq of boxed numbers: the window then holds no boxed
     * logits, and Spark's row encoder copies a primitive array in one block.
     */
    private Object[] columns(Row row, Object values) {
        int width = row.length();
        Object[] c = new Object[width + 1];
        for (int i = 0; i < width; i++) {
            c[i] = row.get(i);
        }
        if (values != null && spec.kind() != LogitsColumn.VECTOR) {
            c[spec.input()] = values;
        }
        return c;
    }

    private Row output(Pending p) {
        Object[] c = p.columns;
        c[c.length - 1] = p.result == null ? null : spec.kind().write(p.result);
        return RowFactory.create(c);
    }
}
