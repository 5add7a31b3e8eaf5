/*
 * softmax-cl as a Spark ML Transformer: appends the softmax (or log-softmax) of a logits column as a
 * new column, computed on each executor's OpenCL device in large batches. Persistable with the
 * standard ML writer and reader (its state is its params), so it can stand in a saved Pipeline.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.MaskedRows;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Row-wise softmax of a logits column on OpenCL devices.
 *
 * <pre>{@code
 * SoftmaxTransformer softmax = new SoftmaxTransformer()
 *         .setInputCol("logits").setOutputCol("probs")      // array<float>, array<double> or Vector
 *         .setTemperature(0.7).setMaskCol("keep");           // optional: logSoftmax, mask, masked rows, batch size
 * Dataset<Row> scored = softmax.transform(df);
 * softmax.save("hdfs:///models/softmax");                  // SoftmaxTransformer.load(path) reads it back
 * }</pre>
 *
 * <p>Rows may have any length, different within a partition; rows of equal length run together in
 * device calls of up to {@code batchSize} rows, and rows leave in the order they came. A null row,
 * or one with a null element, gives null; an empty row gives an empty row; NaN and +inf rows, and
 * rows with no finite unmasked entry, follow the library (all NaN; zeros, or -inf for log, with the
 * masked-row policy {@code zero}). array&lt;float&gt; is computed in float32 and written as
 * array&lt;float&gt;; array&lt;double&gt; and Vectors in float64, written as array&lt;double&gt; and
 * dense Vectors.
 *
 * <p>Each executor JVM opens one engine per device and shares it between its tasks; see the README's
 * Spark section for how a task's device is chosen.
 */
public final class SoftmaxTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final BooleanParam logSoftmax;
    private final DoubleParam temperature;
    private final Param<String> maskCol;
    private final Param<String> maskedRows;
    private final IntParam batchSize;

    /** A transformer with a random uid and the default params. */
    public SoftmaxTransformer() {
        this(Identifiable.randomUID("softmaxcl"));
    }

    /**
     * @param uid the uid (the ML reader uses this constructor)
     */
    public SoftmaxTransformer(String uid) {
        // Params need the uid when they are made, so they are made here rather than in field initialisers.
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "logits column: array<float>, array<double> or Vector");
        outputCol = new Param<>(this, "outputCol", "output column, the input's type (Vector in, dense Vector out)");
        logSoftmax = new BooleanParam(this, "logSoftmax", "log-softmax instead of softmax");
        temperature = new DoubleParam(this, "temperature", "softmax of logits / temperature; finite and > 0",
                ParamValidators.gt(0.0));
        maskCol = new Param<>(this, "maskCol", "optional array<boolean> column, one entry per logit, true = keep"
                + " (null mask: keep all)");
        maskedRows = new Param<>(this, "maskedRows", "what rows with no finite unmasked entry become: nan or zero"
                + " (-inf for log)", ParamValidators.inArray(new String[] {"nan", "zero"}));
        batchSize = new IntParam(this, "batchSize", "most rows in one device call", ParamValidators.gt(0.0));
        setDefault(inputCol, "logits");
        setDefault(outputCol, "softmax");
        setDefault(logSoftmax, false);
        setDefault(temperature, 1.0);
        setDefault(maskedRows, "nan");
        setDefault(batchSize, 8192);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** @return the logits column (default {@code logits}) */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** @return the output column (default {@code softmax}) */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** @return whether to compute log-softmax (default false) */
    public BooleanParam logSoftmax() {
        return logSoftmax;
    }

    /** @return the temperature (default 1) */
    public DoubleParam temperature() {
        return temperature;
    }

    /** @return the mask column (no default: no mask) */
    public Param<String> maskCol() {
        return maskCol;
    }

    /** @return the masked-row policy, {@code nan} (default) or {@code zero} */
    public Param<String> maskedRows() {
        return maskedRows;
    }

    /** @return the most rows in one device call (default 8192) */
    public IntParam batchSize() {
        return batchSize;
    }

    /**
     * @param v the logits column
     * @return this
     */
    public SoftmaxTransformer setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    /**
     * @param v the output column
     * @return this
     */
    public SoftmaxTransformer setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    /**
     * @param v whether to compute log-softmax
     * @return this
     */
    public SoftmaxTransformer setLogSoftmax(boolean v) {
        set(logSoftmax, v);
        return this;
    }

    /**
     * @param v the temperature, finite and &gt; 0
     * @return this
     * @throws IllegalArgumentException if {@code v} is not finite and positive
     */
    public SoftmaxTransformer setTemperature(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + v);
        }
        set(temperature, v);
        return this;
    }

    /**
     * @param v an array&lt;boolean&gt; column, true = keep; null for no mask
     * @return this
     */
    public SoftmaxTransformer setMaskCol(String v) {
        if (v == null) {
            clear(maskCol);
        } else {
            set(maskCol, v);
        }
        return this;
    }

    /**
     * @param v what rows with no finite unmasked entry become
     * @return this
     * @throws IllegalArgumentException if {@code v} is null
     */
    public SoftmaxTransformer setMaskedRows(MaskedRows v) {
        if (v == null) {
            throw new IllegalArgumentException("maskedRows must not be null");
        }
        set(maskedRows, v.name().toLowerCase(Locale.ROOT));
        return this;
    }

    /**
     * @param v the most rows in one device call, &gt; 0
     * @return this
     * @throws IllegalArgumentException if {@code v} is not positive
     */
    public SoftmaxTransformer setBatchSize(int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + v);
        }
        set(batchSize, v);
        return this;
    }

    /** @return the logits column */
    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    /** @return the output column */
    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    /** @return whether log-softmax is computed */
    public boolean getLogSoftmax() {
        return (Boolean) getOrDefault(logSoftmax);
    }

    /** @return the temperature */
    public double getTemperature() {
        return (Double) getOrDefault(temperature);
    }

    /** @return the mask column, or null */
    public String getMaskCol() {
        return isDefined(maskCol) ? getOrDefault(maskCol) : null;
    }

    /** @return the masked-row policy */
    public MaskedRows getMaskedRows() {
        return MaskedRows.valueOf(getOrDefault(maskedRows).toUpperCase(Locale.ROOT));
    }

    /** @return the most rows in one device call */
    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    /**
     * @param schema the input schema
     * @return it with the output column appended
     * @throws IllegalArgumentException if a column is missing or of the wrong type, or the output column exists
     */
    @Override
    public StructType transformSchema(StructType schema) {
        return schema.add(new StructField(getOutputCol(), resolve(schema).kind().outputType(), true,
                org.apache.spark.sql.types.Metadata.empty()));
    }

    /**
     * @param dataset rows with the logits column (and the mask column, if set)
     * @return the rows with the output column appended, in the same order
     * @throws IllegalArgumentException as for {@link #transformSchema}
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        StructType out = transformSchema(df.schema());
        RowOp spec = resolve(df.schema());
        MapPartitionsFunction<Row, Row> f = rows -> new PartitionSoftmax(rows, spec, ExecutorEngines::forCurrentTask);
        return df.mapPartitions(f, Encoders.row(out));
    }

    /** The settings with the columns found in {@code schema}. */
    RowOp resolve(StructType schema) {
        String in = getInputCol();
        int input = index(schema, in, "input");
        LogitsColumn kind = LogitsColumn.of(schema.fields()[input].dataType(), in);
        int mask = -1;
        String m = getMaskCol();
        if (m != null) {
            mask = index(schema, m, "mask");
            LogitsColumn.checkMask(schema.fields()[mask].dataType(), m);
        }
        if (Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
            throw new IllegalArgumentException("output column '" + getOutputCol() + "' already exists");
        }
        return new RowOp(input, mask, kind, getLogSoftmax(), getTemperature(), getMaskedRows(), getBatchSize());
    }

    private static int index(StructType schema, String name, String what) {
        int i = Arrays.asList(schema.fieldNames()).indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(what + " column '" + name + "' does not exist; columns: "
                    + Arrays.toString(schema.fieldNames()));
        }
        return i;
    }

    @Override
    public SoftmaxTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** @return the reader of saved transformers */
    public static MLReader<SoftmaxTransformer> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * @param path where {@link #save} wrote a transformer
     * @return the transformer, with its uid and params
     */
    public static SoftmaxTransformer load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "SoftmaxTransformer[" + uid + "]";
    }
}
