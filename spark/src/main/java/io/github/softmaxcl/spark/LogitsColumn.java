/*
 * The three column types the transformer reads (array<float>, array<double>, ML Vector), and how
 * one row's value becomes a primitive array and a result goes back into a row. A column type fixes
 * the element type the device computes in: float32 for array<float>, float64 for the others.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.ElementType;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;

/** A logits column's type, and the conversion of its values. */
enum LogitsColumn {
    /** {@code array<float>}, computed in float32, written as {@code array<float>}. */
    FLOAT_ARRAY(ElementType.FLOAT32, DataTypes.createArrayType(DataTypes.FloatType, false)),
    /** {@code array<double>}, computed in float64, written as {@code array<double>}. */
    DOUBLE_ARRAY(ElementType.FLOAT64, DataTypes.createArrayType(DataTypes.DoubleType, false)),
    /** An ML {@code Vector} (dense or sparse), computed in float64, written as a dense Vector. */
    VECTOR(ElementType.FLOAT64, SQLDataTypes.VectorType());

    private final ElementType type;
    private final DataType output;

    LogitsColumn(ElementType type, DataType output) {
        this.type = type;
        this.output = output;
    }

    /** @return the element type the device computes in */
    ElementType elementType() {
        return type;
    }

    /** @return the output column's type */
    DataType outputType() {
        return output;
    }

    /**
     * @param t a column's type
     * @param column the column's name, for the message
     * @return the matching kind
     * @throws IllegalArgumentException if {@code t} is none of array&lt;float&gt;, array&lt;double&gt; or Vector
     */
    static LogitsColumn of(DataType t, String column) {
        if (t instanceof ArrayType a && a.elementType() instanceof FloatType) {
            return FLOAT_ARRAY;
        }
        if (t instanceof ArrayType a && a.elementType() instanceof DoubleType) {
            return DOUBLE_ARRAY;
        }
        if (t.equals(SQLDataTypes.VectorType())) {
            return VECTOR;
        }
        throw new IllegalArgumentException("input column '" + column + "' must be array<float>, array<double> or"
                + " an ML Vector, but is " + t.simpleString());
    }

    /**
     * @param t the mask column's type
     * @param column its name, for the message
     * @throws IllegalArgumentException unless {@code t} is array&lt;boolean&gt;
     */
    static void checkMask(DataType t, String column) {
        if (!(t instanceof ArrayType a && a.elementType() instanceof BooleanType)) {
            throw new IllegalArgumentException("mask column '" + column + "' must be array<boolean> (true = keep), but is "
                    + t.simpleString());
        }
    }

    /**
     * @param value a row's value: a Scala Seq of boxed numbers, a primitive array, or a Vector; null allowed
     * @return a float[] (FLOAT_ARRAY) or double[] (otherwise), or null for a null value or one with a
     *     null element (whose result is null)
     */
    Object read(Object value) {
        if (value == null) {
            return null;
        }
        if (this == VECTOR) {
            return ((Vector) value).toArray();
        }
        if (value instanceof float[] || value instanceof double[]) {
            // What this transformer's own rows hold, when Spark hands them on without encoding them.
            return value;
        }
        scala.collection.Seq<?> s = (scala.collection.Seq<?>) value;
        int n = s.length();
        if (this == FLOAT_ARRAY) {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                Object e = s.apply(i);
                if (e == null) {
                    return null;
                }
                out[i] = (Float) e;
            }
            return out;
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            Object e = s.apply(i);
            if (e == null) {
                return null;
            }
            out[i] = (Double) e;
        }
        return out;
    }

    /**
     * @param values the result as a float[] or double[]
     * @return the value for the output column: the primitive array itself for arrays (Spark's row
     *     encoder copies a primitive array in one block, where a Seq would cost a boxed object per
     *     element), a dense Vector for Vectors
     */
    Object write(Object values) {
        return this == VECTOR ? new DenseVector((double[]) values) : values;
    }

    /**
     * @param value a mask column's value (Seq of Boolean), null allowed
     * @return one byte per entry, 1 = keep (only {@code true} keeps: a null entry is masked), or null
     *     for a null mask (nothing masked)
     */
    static byte[] readMask(Object value) {
        if (value == null) {
            return null;
        }
        scala.collection.Seq<?> s = (scala.collection.Seq<?>) value;
        byte[] out = new byte[s.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Boolean.TRUE.equals(s.apply(i)) ? (byte) 1 : 0;
        }
        return out;
    }

    /**
     * @param values a float[] or double[]
     * @return its length
     */
    static int length(Object values) {
        return values instanceof float[] f ? f.length : ((double[]) values).length;
    }
}
