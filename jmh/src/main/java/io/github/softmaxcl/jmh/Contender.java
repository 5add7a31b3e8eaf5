/*
 * The implementations the JMH harness times side by side: softmax-cl from Java arrays, from direct
 * buffers and on device tensors (the kernel-only figure of `bench`, beside the peers), ONNX Runtime and DJL/PyTorch (the JVM peers a user would otherwise pick), and the
 * plain-Java double reference. Each one turns the same float32 logits into probabilities; each is
 * set up once per trial so that one timed call is the end-to-end work a caller pays for.
 */
package io.github.softmaxcl.jmh;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.softmaxcl.DeviceTensor;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.SoftmaxPrimitive;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * One implementation of row-wise softmax, prepared for one shape. {@link #run()} is the timed call;
 * {@link #output(int)} reads element {@code i} of the last run's result so that
 * {@link SoftmaxBenchmark} can check it against the reference before timing anything.
 *
 * <p>Run with {@code bench/jmh.sh} (all contenders) or
 * {@code java -jar jmh/target/benchmarks.jar -p contender=NAME} after {@code mvn -Pjmh -pl jmh -am -DskipTests package}.
 */
abstract class Contender implements AutoCloseable {
    /** The names accepted by {@link #create}, as used in {@link SoftmaxBenchmark}'s contender parameter. */
    static final String SOFTMAX_CL_ARRAY = "softmaxcl-array";
    static final String SOFTMAX_CL_DIRECT = "softmaxcl-direct";
    static final String SOFTMAX_CL_DEVICE = "softmaxcl-device";
    static final String ORT_ARRAY = "ort-array";
    static final String ORT_DIRECT = "ort-direct";
    static final String DJL_PYTORCH = "djl-pytorch";
    static final String JAVA_REFERENCE = "java-reference-f64";

    final float[] in;
    final int rows;
    final int cols;

    Contender(float[] in, int rows, int cols) {
        this.in = in;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * @param name one of the names above
     * @param in row-major logits, shared and never modified
     * @param rows rows
     * @param cols row length
     * @return the prepared contender
     * @throws Exception if the implementation cannot be set up here
     */
    static Contender create(String name, float[] in, int rows, int cols) throws Exception {
        return create(name, in, rows, cols, true);
    }

    /**
     * @param name one of the names above
     * @param in row-major logits, shared and never modified
     * @param rows rows
     * @param cols row length
     * @param spin whether ONNX Runtime's idle workers may spin between calls (its default); off where
     *             calls of different contenders alternate, so that its spinning never takes the cores
     *             from the next contender's call
     * @return the prepared contender
     * @throws Exception if the implementation cannot be set up here
     */
    static Contender create(String name, float[] in, int rows, int cols, boolean spin) throws Exception {
        if (!spin && (name.equals(ORT_ARRAY) || name.equals(ORT_DIRECT))) {
            return new Ort(in, rows, cols, name.equals(ORT_DIRECT), false);
        }
        return switch (name) {
            case SOFTMAX_CL_ARRAY -> new SoftmaxClArray(in, rows, cols);
            case SOFTMAX_CL_DIRECT -> new SoftmaxClDirect(in, rows, cols);
            case SOFTMAX_CL_DEVICE -> new SoftmaxClDevice(in, rows, cols);
            case ORT_ARRAY -> new Ort(in, rows, cols, false, true);
            case ORT_DIRECT -> new Ort(in, rows, cols, true, true);
            case DJL_PYTORCH -> new DjlPytorch(in, rows, cols);
            case JAVA_REFERENCE -> new JavaReference(in, rows, cols);
            default -> throw new IllegalArgumentException("unknown contender '" + name + "'");
        };
    }

    /**
     * One end-to-end softmax of the whole input.
     *
     * @return the result, for the benchmark to consume
     * @throws Exception if the implementation fails
     */
    abstract Object run() throws Exception;

    /**
     * @param i element index
     * @return element {@code i} of the last {@link #run()}'s output
     */
    abstract double output(int i);

    @Override
    public void close() throws Exception {}

    static FloatBuffer directFloats(int n) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(n, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** softmax-cl, float[] in and a caller-owned float[] out: the engine's staging copies are timed. */
    static final class SoftmaxClArray extends Contender {
        private final SoftmaxEngine engine = SoftmaxEngine.create();
        private final float[] out;

        SoftmaxClArray(float[] in, int rows, int cols) {
            super(in, rows, cols);
            out = new float[in.length];
        }

        @Override
        Object run() {
            engine.softmax(in, out, rows, cols);
            return out;
        }

        @Override
        double output(int i) {
            return out[i];
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /**
     * softmax-cl on direct buffers that already hold the input (filled once, untimed): on PoCL the
     * kernels read and write them in place, so this is the cost when data lives off-heap already.
     */
    static final class SoftmaxClDirect extends Contender {
        private final SoftmaxEngine engine = SoftmaxEngine.create();
        private final FloatBuffer y;
        private final SoftmaxPrimitive softmax;
        private final HostTensor xt;
        private final HostTensor yt;

        SoftmaxClDirect(float[] in, int rows, int cols) {
            super(in, rows, cols);
            FloatBuffer x = directFloats(in.length);
            x.put(0, in);
            y = directFloats(in.length);
            softmax = engine.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, rows, cols);
            xt = HostTensor.of(x, rows, cols);
            yt = HostTensor.of(y, rows, cols);
        }

        @Override
        Object run() {
            softmax.forward(xt, yt);
            return y;
        }

        @Override
        double output(int i) {
            return y.get(i);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /**
     * softmax-cl on device tensors that already hold the input (uploaded once, untimed): the call is
     * the kernel and its launch, which is what `bench` reports as kernel-only, timed here the same way
     * as the peers. On a CPU device the peers' input and output sit in memory the same way.
     */
    static final class SoftmaxClDevice extends Contender {
        private final SoftmaxEngine engine = SoftmaxEngine.create();
        private final SoftmaxPrimitive softmax;
        private final DeviceTensor xd;
        private final DeviceTensor yd;
        private float[] last;

        SoftmaxClDevice(float[] in, int rows, int cols) {
            super(in, rows, cols);
            softmax = engine.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, rows, cols);
            xd = engine.allocate(ElementType.FLOAT32, rows, cols);
            yd = engine.allocate(ElementType.FLOAT32, rows, cols);
            xd.upload(HostTensor.of(in, rows, cols));
        }

        @Override
        Object run() {
            softmax.forward(xd, yd);
            last = null;
            return yd;
        }

        @Override
        double output(int i) {
            if (last == null) {
                last = new float[in.length];
                yd.download(HostTensor.of(last, rows, cols));
            }
            return last[i];
        }

        @Override
        public void close() {
            xd.close();
            yd.close();
            engine.close();
        }
    }

    /**
     * ONNX Runtime running a one-node Softmax model, session created once per trial with default
     * options (intra-op threads = cores). The output is pinned to a direct buffer of ours, so ORT
     * writes straight into it instead of allocating a native tensor that would then be copied twice.
     *
     * <p>Array mode: float[] in is copied into a reused direct buffer, the result copied out to a
     * float[] (the same two copies softmax-cl-array makes; reusing the staging buffer is ORT's best
     * case, since createTensor on a heap buffer would allocate fresh direct memory on every call).
     * Direct mode: the input already sits in a direct buffer and the result stays in one, as
     * softmax-cl-direct. Either way the input tensor is created per call, as a caller would.
     */
    static final class Ort extends Contender {
        private final boolean direct;
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final FloatBuffer x;
        private final FloatBuffer y;
        private final OnnxTensor pinnedY;
        private final long[] shape;
        private final float[] out;

        Ort(float[] in, int rows, int cols, boolean direct, boolean spin) throws OrtException {
            super(in, rows, cols);
            this.direct = direct;
            shape = new long[] {rows, cols};
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                if (!spin) {
                    options.addConfigEntry("session.intra_op.allow_spinning", "0");
                }
                session = env.createSession(OnnxSoftmaxModel.bytes(), options);
            }
            x = directFloats(in.length);
            y = directFloats(in.length);
            if (direct) {
                x.put(0, in);
            }
            pinnedY = OnnxTensor.createTensor(env, y, shape);
            out = direct ? null : new float[in.length];
        }

        @Override
        Object run() throws OrtException {
            if (!direct) {
                x.put(0, in);
            }
            // A direct buffer in native order is wrapped, not copied, by createTensor.
            try (OnnxTensor tx = OnnxTensor.createTensor(env, x, shape);
                    OrtSession.Result r = session.run(Map.of("x", tx), Map.of("y", pinnedY))) {
                if (r.isResultOwner(0)) {
                    throw new IllegalStateException("ONNX Runtime did not write into the pinned output");
                }
            }
            if (direct) {
                return y;
            }
            y.get(0, out);
            return out;
        }

        @Override
        double output(int i) {
            return direct ? y.get(i) : out[i];
        }

        @Override
        public void close() throws OrtException {
            pinnedY.close();
            session.close();
        }
    }

    /**
     * DJL's PyTorch engine: float[] to an NDArray, softmax on the last axis, back to a float[]. A
     * sub-manager per call frees the call's native tensors as soon as it ends.
     */
    static final class DjlPytorch extends Contender {
        private final NDManager base = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        private final Shape shape;
        private float[] last;

        DjlPytorch(float[] in, int rows, int cols) {
            super(in, rows, cols);
            shape = new Shape(rows, cols);
        }

        @Override
        Object run() {
            try (NDManager call = base.newSubManager()) {
                last = call.create(in, shape).softmax(-1).toFloatArray();
            }
            return last;
        }

        @Override
        double output(int i) {
            return last[i];
        }

        @Override
        public void close() {
            base.close();
        }
    }

    /**
     * The library's plain-Java reference: single-threaded, double precision, pairwise sums. Not a
     * peer (it is built for accuracy, not speed) but the "no native code at all" baseline.
     */
    static final class JavaReference extends Contender {
        private double[] last;

        JavaReference(float[] in, int rows, int cols) {
            super(in, rows, cols);
        }

        @Override
        Object run() {
            last = ReferenceSoftmax.softmax(in, rows, cols);
            return last;
        }

        @Override
        double output(int i) {
            return last[i];
        }
    }
}
