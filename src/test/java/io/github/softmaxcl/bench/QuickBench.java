package io.github.softmaxcl.bench;

import io.github.softmaxcl.Precision;
import io.github.softmaxcl.SoftmaxEngine;

/** Developer scratch runner (not a test): java -cp ... QuickBench 1000000x10 ... */
public final class QuickBench {
    public static void main(String[] args) {
        try (SoftmaxEngine e = SoftmaxEngine.create()) {
            Benchmark b = new Benchmark(e, 9, false);
            for (String s : args) {
                BenchResult r = b.run(Shape.parse(s), Precision.FLOAT32);
                System.out.printf("%-12s %-45s kernel %8.2f ms %6.2f GB/s  copy %6.2f GB/s  ratio %.2f  e2e %8.2f ms %6.2f GB/s (e2e/kernel %.2f) direct %7.2f ms (%.2f)%n",
                        r.shape(), r.variant(), r.kernelMs(), r.kernelGbps(), r.copyGbps(), r.ratioToCopy(), r.e2eMs(), r.e2eGbps(), r.e2eGbps() / r.kernelGbps(), r.e2eDirectMs(), r.e2eDirectGbps() / r.kernelGbps());
            }
        }
    }
}
