/*
 * A backend running a real but wrong OpenCL kernel (softmax_nomax.cl: no max subtraction), built
 * with the library's own cl package. Injected into the verifier and the CLI to prove that
 * verification fails on a realistic bug and names the cases that expose it.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClProgram;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.device.DeviceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jocl.CL;
import org.jocl.Pointer;

public final class WrongKernelBackend implements SoftmaxBackend {
    private static final int WG = 64;
    private final DeviceInfo device;
    private final ClContext context;
    private final ClQueue queue;
    private final ClProgram program;
    private final ClKernel kernel;

    public WrongKernelBackend(DeviceInfo device) {
        this.device = device;
        this.context = new ClContext(device.platform(), device.device());
        this.queue = new ClQueue(context);
        this.program = ClProgram.build(context, "softmax_nomax.cl", source(), "");
        this.kernel = new ClKernel(program, "softmax_nomax");
    }

    private static String source() {
        try (InputStream in = WrongKernelBackend.class.getResourceAsStream("softmax_nomax.cl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String name() {
        return "NOMAX";
    }

    @Override
    public String device() {
        return device.id() + " " + device.name();
    }

    @Override
    public boolean supportsFloat64() {
        return true;
    }

    @Override
    public String cannotRun(long rows, long cols, ElementType precision) {
        return precision == ElementType.FLOAT32 ? null : "the wrong kernel is float32 only";
    }

    @Override
    public float[] softmax(float[] x, int rows, int cols) {
        float[] y = new float[x.length];
        long bytes = 4L * x.length;
        try (ClBuffer xb = ClBuffer.allocate(context, CL.CL_MEM_READ_ONLY, bytes);
                ClBuffer yb = ClBuffer.allocate(context, CL.CL_MEM_WRITE_ONLY, bytes)) {
            xb.write(queue, 0, bytes, Pointer.to(x));
            kernel.arg(0, xb).arg(1, yb).arg(2, (long) rows).arg(3, (long) cols);
            kernel.enqueue(queue, (rows + WG - 1) / WG * (long) WG, WG, false);
            queue.finish();
            yb.read(queue, 0, bytes, Pointer.to(y));
        }
        return y;
    }

    @Override
    public double[] softmax(double[] x, int rows, int cols) {
        throw new UnsupportedOperationException("float32 only");
    }

    @Override
    public void close() {
        kernel.close();
        program.close();
        queue.close();
        context.close();
    }
}
