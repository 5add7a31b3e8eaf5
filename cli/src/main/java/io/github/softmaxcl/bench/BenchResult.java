/*
 * One benchmark record: the fields `bench --json` writes and `--compare` reads. GB/s always counts
 * the ideal softmax traffic, one read and one write of the matrix (2 * rows * cols * bytes).
 */
package io.github.softmaxcl.bench;

/**
 * Measured speed of one shape on one device.
 *
 * @param op the op: softmax, log, temperature, mask, axis0, float16 or bfloat16 (the last two are softmax)
 * @param shape ROWSxCOLS
 * @param dtype float32, float64, float16 or bfloat16
 * @param device device name
 * @param variant the kernel plan used
 * @param kernelMs median kernel-only time (data on the device, event timing)
 * @param kernelGbps ideal bytes / kernelMs
 * @param copyGbps the copy kernel's GB/s on the same buffers, same run
 * @param ratioToCopy kernelGbps / copyGbps
 * @param e2eMs median end-to-end time from Java arrays to Java arrays
 * @param e2eGbps ideal bytes / e2eMs
 * @param e2eDirectMs median end-to-end time from direct NIO buffers (zero-copy where the device allows)
 * @param e2eDirectGbps ideal bytes / e2eDirectMs
 * @param referenceMs the CPU reference's time (median)
 * @param runs timed runs per median
 * @param axis the softmax axis: -1 (rows), or 0 (columns, on the strided layout)
 */
public record BenchResult(String op, String shape, String dtype, String device, String variant, double kernelMs,
        double kernelGbps, double copyGbps, double ratioToCopy, double e2eMs, double e2eGbps, double e2eDirectMs, double e2eDirectGbps, double referenceMs,
        int runs, int axis) {}
