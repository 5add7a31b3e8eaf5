/*
 * The streaming core of `run`: softmax of an array larger than memory, in chunks of whole rows.
 * Three stages overlap, each on its own thread: the reader fills input buffer k+1 while the device
 * computes chunk k and the writer drains output buffer k-1. Two input and two output buffers are in
 * flight, all direct (off the Java heap) and sized by the chunk, so the heap needed does not grow
 * with the file. The source and sink are interfaces so tests can make either fail mid-run.
 */
package io.github.softmaxcl.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/** Chunked, pipelined softmax from a source of rows to a sink. */
public final class StreamingSoftmax {
    private StreamingSoftmax() {}

    /** Fills a buffer with consecutive elements, in native byte order, like NpyReader.readElements. */
    @FunctionalInterface
    public interface ChunkSource {
        /**
         * @param firstElement flat index of the first element
         * @param dst buffer to fill from position to limit
         * @throws IOException if reading fails
         */
        void read(long firstElement, ByteBuffer dst) throws IOException;
    }

    /** Consumes result bytes in order, like NpyWriter.write. */
    @FunctionalInterface
    public interface ChunkSink {
        /**
         * @param src bytes from position to limit, native order
         * @throws IOException if writing fails
         */
        void write(ByteBuffer src) throws IOException;
    }

    /** Computes one chunk: {@code units} units from {@code in} into {@code out} (both positioned at 0). */
    @FunctionalInterface
    public interface ChunkCompute {
        /**
         * @param in the input chunk, native order
         * @param out the output chunk, same size
         * @param firstUnit index of the chunk's first unit in the whole array
         * @param units units in this chunk
         * @throws IOException if reading side data (a mask) fails
         */
        void compute(ByteBuffer in, ByteBuffer out, long firstUnit, long units) throws IOException;
    }

    /**
     * Streams {@code rows} units of {@code cols} elements each (a row along the last axis, or a
     * whole outer slice for another axis) through a chunk computation, reading chunk k+1 and writing
     * chunk k-1 while chunk k is computed. On any failure the remaining stages are stopped and awaited
     * before the exception propagates.
     *
     * @param source the input
     * @param sink receives the output in order
     * @param cols elements per unit, &gt;= 1
     * @param elementBytes bytes per element
     * @param rows units, &gt;= 1
     * @param chunkRows units per chunk, &gt;= 1
     * @param compute what to do with each chunk
     * @param rowsDone called with the number of units written so far
     * @throws IOException if reading or writing fails
     * @throws IllegalArgumentException if a size is out of range or a chunk exceeds 2 GiB
     */
    public static void run(ChunkSource source, ChunkSink sink, long cols, int elementBytes, long rows,
            long chunkRows, ChunkCompute compute, LongConsumer rowsDone) throws IOException {
        if (rows < 1 || cols < 1 || chunkRows < 1) {
            throw new IllegalArgumentException("rows, cols and chunkRows must be >= 1, got " + rows + ", " + cols
                    + ", " + chunkRows);
        }
        long rowBytes = Math.multiplyExact(cols, (long) elementBytes);
        long per = Math.min(chunkRows, rows);
        long chunkBytes = Math.multiplyExact(per, rowBytes);
        if (chunkBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a chunk of " + per + " rows is " + chunkBytes
                    + " bytes; one buffer holds at most 2 GiB");
        }
        ByteBuffer[] in = {direct(chunkBytes), direct(chunkBytes)};
        ByteBuffer[] out = {direct(chunkBytes), direct(chunkBytes)};
        long chunks = (rows + per - 1) / per;
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> daemon(r, "softmax-reader"));
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> daemon(r, "softmax-writer"));
        try {
            Future<?> read = reader.submit(() -> readChunk(source, in[0], 0, per, rows, cols, rowBytes));
            Future<?> write = null;
            long written = 0;
            for (long k = 0; k < chunks; k++) {
                int slot = (int) (k & 1);
                long n = Math.min(per, rows - k * per);
                await(read);
                if (k + 1 < chunks) {
                    // The other input buffer was consumed by the compute of chunk k-1, already done.
                    long next = k + 1;
                    read = reader.submit(() -> readChunk(source, in[1 - slot], next * per, per, rows, cols, rowBytes));
                }
                // out[slot] was last drained by the write of chunk k-2, awaited before chunk k-1's write.
                out[slot].clear().limit((int) (n * rowBytes));
                in[slot].position(0);
                out[slot].position(0);
                compute.compute(in[slot], out[slot], k * per, n);
                if (write != null) {
                    await(write);
                    written += per;
                    rowsDone.accept(written);
                }
                ByteBuffer done = out[slot];
                write = writer.submit(() -> {
                    sink.write(done);
                    return null;
                });
            }
            await(write);
            rowsDone.accept(rows);
        } finally {
            // On success both are idle; on failure this stops the other stage and waits for it, so
            // nothing touches the sink after we return.
            reader.shutdownNow();
            writer.shutdownNow();
            awaitTermination(reader);
            awaitTermination(writer);
        }
    }

    private static Void readChunk(ChunkSource source, ByteBuffer buf, long firstRow, long per, long rows, long cols,
            long rowBytes) throws IOException {
        long n = Math.min(per, rows - firstRow);
        buf.clear().limit((int) (n * rowBytes));
        source.read(firstRow * cols, buf);
        if (buf.hasRemaining()) {
            throw new IOException("input source returned " + buf.position() + " of " + buf.limit() + " bytes at row "
                    + firstRow);
        }
        return null;
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while streaming");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    private static void awaitTermination(ExecutorService ex) {
        try {
            while (!ex.awaitTermination(10, TimeUnit.SECONDS)) {
                // A stage blocked in I/O finishes its call; keep waiting rather than abandon it.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
