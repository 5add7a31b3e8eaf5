package io.github.softmaxcl.bench;

import io.github.softmaxcl.cl.*;
import io.github.softmaxcl.device.*;
import io.github.softmaxcl.reference.*;
import io.github.softmaxcl.Precision;
import java.nio.file.*;
import org.jocl.CL;
import org.jocl.Pointer;

/** Developer scratch runner (not a test): KernelLab2 file.cl options kernel rows cols perItemRows local */
public final class KernelLab2 {
    public static void main(String[] a) throws Exception {
        String src = Files.readString(Path.of(a[0]));
        DeviceInfo d = Devices.select(null);
        int rows = Integer.parseInt(a[3]), cols = Integer.parseInt(a[4]), per = Integer.parseInt(a[5]), local = Integer.parseInt(a[6]);
        int n = rows * cols;
        float[] x = Inputs.floats(Inputs.Pattern.RANDOM, rows, cols, 1);
        float[] yv = new float[n];
        try (ClContext ctx = new ClContext(d.platform(), d.device()); ClQueue q = new ClQueue(ctx);
             ClProgram p = ClProgram.build(ctx, a[0], src, a[1].replace(",", " "));
             ClBuffer bx = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 4L * n);
             ClBuffer by = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 4L * n);
             ClKernel k = new ClKernel(p, a[2])) {
            bx.write(q, 0, 4L * n, Pointer.to(x));
            k.arg(0, bx).arg(1, by).arg(2, (long) rows);
            if (a[2].startsWith("row_vec")) k.arg(3, (long) cols);
            long items = (rows + per - 1) / per;
            long global = (items + local - 1) / local * local;
            long[] t = new long[9];
            for (int r = 0; r < 9; r++) try (ClEvent e = k.enqueue(q, global, local, true)) { t[r] = e.elapsedNanos(); }
            java.util.Arrays.sort(t);
            by.read(q, 0, 4L * n, Pointer.to(yv));
            double[] ref = ReferenceSoftmax.softmax(x, rows, cols);
            Comparison c = Comparison.of(i -> x[(int) i], i -> yv[(int) i], i -> ref[(int) i], rows, cols, Precision.FLOAT32);
            System.out.printf("%-10s %s %dx%d local=%d: %7.2f ms %6.2f GB/s  %s%n", a[2], a[1], rows, cols, local, t[4] / 1e6, 8.0 * n / t[4], c.passed() ? "PASS" : c.toString());
        }
    }
}
