package io.github.softmaxcl.bench;

import io.github.softmaxcl.cl.*;
import io.github.softmaxcl.device.*;
import java.nio.file.*;
import org.jocl.CL;
import org.jocl.Pointer;

/** Developer scratch runner (not a test): times kernels of a .cl file on 16M floats. */
public final class KernelLab {
    public static void main(String[] a) throws Exception {
        String src = Files.readString(Path.of(a[0]));
        DeviceInfo d = Devices.select(null);
        int n = 1 << 24;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i) * 5;
        try (ClContext ctx = new ClContext(d.platform(), d.device()); ClQueue q = new ClQueue(ctx);
             ClProgram p = ClProgram.build(ctx, a[0], src, a.length > 1 ? a[1] : "");
             ClBuffer bx = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 4L * n);
             ClBuffer by = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 4L * n)) {
            bx.write(q, 0, 4L * n, Pointer.to(x));
            String[][] ks = {{"exp_scalar", "1", "0"}, {"exp_vec16", "16", "0"}, {"exp_vec16_loop", "16", "64"},
                {"exp_vec8_loop", "8", "128"}, {"nexp_vec16_loop", "16", "64"}, {"copy_vec16_loop", "16", "64"}};
            for (String[] k : ks) {
                try (ClKernel kern = new ClKernel(p, k[0])) {
                    int vec = Integer.parseInt(k[1]); int per = Integer.parseInt(k[2]);
                    kern.arg(0, bx).arg(1, by);
                    long global = n / vec;
                    if (per > 0) { kern.argInt(2, per); global /= per; }
                    long best = Long.MAX_VALUE;
                    for (int r = 0; r < 7; r++) try (ClEvent e = kern.enqueue(q, global, Math.min(64, global), true)) { best = Math.min(best, e.elapsedNanos()); }
                    System.out.printf("%-18s %7.2f ms %6.2f GB/s%n", k[0], best / 1e6, 8.0 * n / best);
                }
            }
        }
    }
}
