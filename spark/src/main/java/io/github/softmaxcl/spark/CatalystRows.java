/*
 * The row codec for Spark's internal rows (InternalRow, as Dataset.queryExecution().toRdd() gives
 * them): an array column is read with one block copy (ArrayData.toFloatArray) after a scan of its
 * null bits, and the result is written as one UnsafeArrayData block, where external Rows cost a
 * boxed object per element each way. Internal rows may be reused by their source, so the window keeps
 * a copy of each. Used for array<float> and array<double> columns.
 */
package io.github.softmaxcl.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;

/** {@link RowCodec} over {@link InternalRow}. */
final class CatalystRows implements RowCodec<InternalRow> {
    private static final long serialVersionUID = 1L;

    private final RowOp spec;

    /**
     * @param spec the columns and their kind (an array kind)
     * @throws IllegalArgumentException for Vector columns
     */
    CatalystRows(RowOp spec) {
        if (spec.kind() == LogitsColumn.VECTOR) {
            throw new IllegalArgumentException("internal rows carry array columns only, not " + spec.kind());
        }
        this.spec = spec;
    }

    @Override
    public Object logits(InternalRow row) {
        if (row.isNullAt(spec.input())) {
            return null;
        }
        ArrayData a = row.getArray(spec.input());
        int n = a.numElements();
        for (int i = 0; i < n; i++) {
            if (a.isNullAt(i)) {
                return null;
            }
        }
        return spec.kind() == LogitsColumn.FLOAT_ARRAY ? a.toFloatArray() : a.toDoubleArray();
    }

    @Override
    public byte[] mask(InternalRow row) {
        if (spec.mask() < 0 || row.isNullAt(spec.mask())) {
            return null;
        }
        ArrayData a = row.getArray(spec.mask());
        byte[] out = new byte[a.numElements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = !a.isNullAt(i) && a.getBoolean(i) ? (byte) 1 : 0;
        }
        return out;
    }

    @Override
    public Object keep(InternalRow row, Object logits) {
        return row.copy();
    }

    @Override
    public InternalRow output(Object kept, Object result) {
        Object value = result == null ? null
                : result instanceof float[] f ? UnsafeArrayData.fromPrimitiveArray(f)
                : UnsafeArrayData.fromPrimitiveArray((double[]) result);
        return new JoinedRow((InternalRow) kept, new GenericInternalRow(new Object[] {value}));
    }
}
