/*
 * Generated logits for the example job, its local check, the tests and the benchmark: rows of mixed
 * lengths (most short, a common length of 1000 that forms full batches, some up to 4096), values
 * from ordinary to outlying and huge spreads, and the rows the semantics single out: null rows, rows
 * with a null element, NaN and +inf rows, all -inf rows, rows with some -inf, near-uniform rows,
 * empty rows, and masks (some rows fully masked). Each row depends only on (seed, id), so any
 * partitioning gives the same data.
 */
package io.github.softmaxcl.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Deterministic test logits as a DataFrame: {@code id long, logits array<float>, keep array<boolean>}. */
public final class ExampleData {
    /** The generated schema. */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, true), true)
            .add("keep", DataTypes.createArrayType(DataTypes.BooleanType, false), true);

    private ExampleData() {}

    /**
     * @param spark the session
     * @param rows number of rows
     * @param partitions number of partitions
     * @param seed the seed
     * @return the rows, ids 0 to rows - 1 in order
     * @throws IllegalArgumentException if rows is negative or partitions not positive
     */
    public static Dataset<Row> generate(SparkSession spark, long rows, int partitions, long seed) {
        if (rows < 0 || partitions <= 0) {
            throw new IllegalArgumentException("rows must be >= 0 and partitions > 0, got " + rows + ", " + partitions);
        }
        return fromIds(spark, rows, partitions, SCHEMA, id -> row(id, seed));
    }

    /** Makes the row of one id; serializable, as Spark ships it to the executors. */
    interface RowOfId extends Serializable {
        Row make(long id);
    }

    /**
     * @param spark the session
     * @param rows number of rows
     * @param partitions number of partitions
     * @param schema the rows' schema
     * @param make the row of each id
     * @return rows made from ids 0 to rows - 1, in order, each where its id is
     */
    static Dataset<Row> fromIds(SparkSession spark, long rows, int partitions, StructType schema, RowOfId make) {
        MapPartitionsFunction<Long, Row> f = ids -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return ids.hasNext();
            }

            @Override
            public Row next() {
                return make.make(ids.next());
            }
        };
        return spark.range(0, rows, 1, partitions).as(Encoders.LONG()).mapPartitions(f, Encoders.row(schema));
    }

    /**
     * @param id the row id
     * @param seed the seed
     * @return row {@code id}
     */
    static Row row(long id, long seed) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + id);
        int kind = r.nextInt(1000);
        if (kind < 5) {
            return RowFactory.create(id, null, null);
        }
        int pick = r.nextInt(100);
        int n = pick < 60 ? 1 + r.nextInt(32) : pick < 90 ? 33 + r.nextInt(480) : pick < 98 ? 1000 : 513 + r.nextInt(3584);
        if (kind < 7) {
            n = 0;
        }
        double scale = switch (r.nextInt(10)) {
            case 0 -> 1e-6; // near-uniform
            case 1 -> 1e4; // huge spread: one entry dominates
            case 2, 3 -> 20;
            default -> 3;
        };
        List<Float> x = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            x.add((float) (r.nextGaussian() * scale + (r.nextInt(50) == 0 ? 20 * scale : 0)));
        }
        if (n > 0) {
            int at = r.nextInt(n);
            if (kind < 12) {
                x.set(at, Float.NaN);
            } else if (kind < 15) {
                x.set(at, Float.POSITIVE_INFINITY);
            } else if (kind < 18) {
                x.replaceAll(v -> Float.NEGATIVE_INFINITY);
            } else if (kind < 28) {
                for (int i = 0; i < n; i += 1 + r.nextInt(3)) {
                    x.set(i, Float.NEGATIVE_INFINITY);
                }
            } else if (kind < 31) {
                x.set(at, null);
            }
        }
        List<Boolean> keep = null;
        if (r.nextInt(10) < 3) {
            boolean none = r.nextInt(10) == 0;
            keep = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                keep.add(!none && r.nextInt(5) != 0);
            }
        }
        return RowFactory.create(id, scala.jdk.javaapi.CollectionConverters.asScala(x).toSeq(),
                keep == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(keep).toSeq());
    }
}
