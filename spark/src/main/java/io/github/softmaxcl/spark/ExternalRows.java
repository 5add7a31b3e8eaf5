/*
 * The row codec for Spark's external Rows, the form Dataset.mapPartitions hands over: arrays arrive
 * as Scala Seqs of boxed numbers (unboxed here once, into one primitive array per row), Vectors as
 * Vectors. It serves every column type, and is the one used for Vector columns.
 */
package io.github.softmaxcl.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** {@link RowCodec} over {@link Row}. */
final class ExternalRows implements RowCodec<Row> {
    private static final long serialVersionUID = 1L;

    private final RowOp spec;

    /**
     * @param spec the columns and their kind
     */
    ExternalRows(RowOp spec) {
        this.spec = spec;
    }

    @Override
    public Object logits(Row row) {
        return spec.kind().read(row.get(spec.input()));
    }

    @Override
    public byte[] mask(Row row) {
        return spec.mask() < 0 ? null : LogitsColumn.readMask(row.get(spec.mask()));
    }

    /**
     * The row's columns, with room for the result. The logits column holds the primitive array just
     * read (never written to) instead of Spark's Seq of boxed numbers: the window then holds no boxed
     * logits, and Spark's row encoder copies a primitive array in one block.
     */
    @Override
    public Object keep(Row row, Object logits) {
        int width = row.length();
        Object[] c = new Object[width + 1];
        for (int i = 0; i < width; i++) {
            c[i] = row.get(i);
        }
        if (logits != null && spec.kind() != LogitsColumn.VECTOR) {
            c[spec.input()] = logits;
        }
        return c;
    }

    @Override
    public Row output(Object kept, Object result) {
        Object[] c = (Object[]) kept;
        c[c.length - 1] = result == null ? null : spec.kind().write(result);
        return RowFactory.create(c);
    }
}
