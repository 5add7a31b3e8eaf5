/*
 * Writes .npy files that may be larger than memory, streamed in chunks, without ever leaving a
 * half-written file under the target name: data goes to an OutputFile (a temporary file next to
 * the target), which replaces the target only when commit() has checked that exactly the declared
 * number of bytes arrived. The header bytes are identical to what NumPy 1.24 writes for the same
 * array.
 */
package io.github.softmaxcl.npy;

import io.github.softmaxcl.files.OutputFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Streams one C-order, little-endian array into a new .npy file. Use with try-with-resources:
 * {@link #close()} without a successful {@link #commit()} deletes everything written.
 * Not thread-safe.
 */
public final class NpyWriter implements AutoCloseable {
    private final OutputFile output;
    private final Path target;
    private final FileChannel channel;
    private final NpyHeader header;
    private long written;
    private ByteBuffer swapBuffer;
    private boolean committed;
    private boolean closed;

    private NpyWriter(OutputFile output, NpyHeader header) {
        this.output = output;
        this.target = output.target();
        this.channel = output.channel();
        this.header = header;
    }

    /**
     * Starts a new file: checks the target (see {@link OutputFile#create(Path)}) and writes the
     * header to a temporary file in the target's directory. Nothing appears under {@code target}
     * until {@link #commit()}.
     *
     * @param target where the finished file goes; an existing file there is replaced on commit
     * @param dtype  element type
     * @param shape  array shape; empty for a 0-d array
     * @return the writer; close it
     * @throws IllegalArgumentException if a dimension is negative, the array size does not fit in a
     *                                  long, or the target can never be written (a directory, a
     *                                  missing directory, a name over 255 bytes)
     * @throws IOException              if the temporary file cannot be created or written; the
     *                                  message names the target
     */
    public static NpyWriter create(Path target, NpyDType dtype, long[] shape) throws IOException {
        Objects.requireNonNull(target, "target");
        // The shape is checked before any file exists.
        Encoded header = encodeHeader(dtype, shape);
        OutputFile output = OutputFile.create(target);
        try {
            return start(output, dtype, header);
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(output, e);
            throw e;
        }
    }

    /**
     * Starts a new file in an output that was opened (and so checked) earlier, e.g. before a long
     * computation. The writer owns {@code output} from here on: closing or committing the writer
     * closes or commits it, also when this method throws.
     *
     * @param output an open output from {@link OutputFile#create(Path)}
     * @param dtype  element type
     * @param shape  array shape; empty for a 0-d array
     * @return the writer; close it
     * @throws IllegalArgumentException if a dimension is negative or the array size does not fit in
     *                                  a long
     * @throws IllegalStateException    if {@code output} is committed or closed
     * @throws IOException              if the header cannot be written
     */
    public static NpyWriter create(OutputFile output, NpyDType dtype, long[] shape) throws IOException {
        Objects.requireNonNull(output, "output");
        try {
            return start(output, dtype, encodeHeader(dtype, shape));
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(output, e);
            throw e;
        }
    }

    private record Encoded(long[] dims, byte[] bytes) {}

    private static Encoded encodeHeader(NpyDType dtype, long[] shape) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        // Validated (by the NpyHeader constructor); the encoder trusts it.
        long[] dims = new NpyHeader(dtype, ByteOrder.LITTLE_ENDIAN, false, shape, 0).shape();
        return new Encoded(dims, NpyHeaderCodec.encode(dtype, dims));
    }

    private static NpyWriter start(OutputFile output, NpyDType dtype, Encoded encoded) throws IOException {
        NpyHeader header = new NpyHeader(dtype, ByteOrder.LITTLE_ENDIAN, false, encoded.dims(),
                encoded.bytes().length);
        FileChannel channel = output.channel();
        ByteBuffer buf = ByteBuffer.wrap(encoded.bytes());
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        return new NpyWriter(output, header);
    }

    private static void closeAfterFailure(OutputFile output, Exception failure) {
        try {
            output.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Writes a whole array as a float32 file, atomically.
     *
     * @param target where the file goes; replaced if it exists
     * @param shape  the array shape
     * @param data   the elements in C order
     * @throws IllegalArgumentException if {@code data.length} is not the element count of shape
     * @throws IOException              if writing fails; the target is then left untouched
     */
    public static void writeFloats(Path target, long[] shape, float[] data) throws IOException {
        writeAll(target, NpyDType.FLOAT32, shape, data.length,
                (buf, from, n) -> buf.asFloatBuffer().put(data, from, n));
    }

    /**
     * Writes a whole array as a float64 file, atomically.
     *
     * @param target where the file goes; replaced if it exists
     * @param shape  the array shape
     * @param data   the elements in C order
     * @throws IllegalArgumentException if {@code data.length} is not the element count of shape
     * @throws IOException              if writing fails; the target is then left untouched
     */
    public static void writeDoubles(Path target, long[] shape, double[] data) throws IOException {
        writeAll(target, NpyDType.FLOAT64, shape, data.length,
                (buf, from, n) -> buf.asDoubleBuffer().put(data, from, n));
    }

    /** Puts elements {@code [from, from + n)} of the caller's array at the start of {@code buf}. */
    @FunctionalInterface
    private interface Fill {
        void fill(ByteBuffer buf, int from, int n);
    }

    /** Writes {@code length} elements in blocks of 1 MiB, then commits: the one body of both writers. */
    private static void writeAll(Path target, NpyDType dtype, long[] shape, int length, Fill fill) throws IOException {
        try (NpyWriter w = create(target, dtype, shape)) {
            checkLength(w.header, length);
            int item = dtype.itemSize();
            int per = (1 << 20) / item;
            ByteBuffer buf = ByteBuffer.allocate(Math.min(length, per) * item).order(ByteOrder.nativeOrder());
            for (int done = 0; done < length; ) {
                int n = Math.min(per, length - done);
                buf.clear();
                fill.fill(buf, done, n);
                buf.limit(n * item);
                w.write(buf);
                done += n;
            }
            w.commit();
        }
    }

    private static void checkLength(NpyHeader header, int length) {
        if (length != header.elementCount()) {
            throw new IllegalArgumentException("data has " + length + " elements but shape "
                    + header.shapeString() + " has " + header.elementCount());
        }
    }

    /** @return the header being written (data offset included) */
    public NpyHeader header() {
        return header;
    }

    /** @return the number of data bytes written so far */
    public long bytesWritten() {
        return written;
    }

    /**
     * Appends data: the bytes of {@code src} from its position to its limit, which are elements
     * in native byte order (converted to little-endian if the machine is not). On return the
     * position equals the limit. A chunk need not end on an element boundary, except on a
     * big-endian machine, where each chunk is byte-swapped element by element.
     *
     * @param src the data, in native byte order
     * @throws IllegalArgumentException if {@code src} is not in native order (for multi-byte
     *                                  types), would take the data past the size the shape
     *                                  declares, or splits an element on a big-endian machine
     * @throws IllegalStateException    if the writer was committed or closed
     * @throws IOException              if writing fails
     */
    public void write(ByteBuffer src) throws IOException {
        checkOpen();
        int itemSize = header.dtype().itemSize();
        if (itemSize > 1 && src.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("src must be in native byte order ("
                    + ByteOrder.nativeOrder() + "), it is " + src.order());
        }
        int n = src.remaining();
        if (n > header.dataBytes() - written) {
            throw new IllegalArgumentException("writing " + n + " more bytes to " + target
                    + " would exceed the " + header.dataBytes() + " bytes of shape "
                    + header.shapeString() + " " + header.dtype() + " (" + written
                    + " already written)");
        }
        if (itemSize > 1 && ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            writeSwapped(src, itemSize);
        } else {
            while (src.hasRemaining()) {
                channel.write(src);
            }
        }
        written += n;
    }

    /** Converts through a scratch copy so the caller's buffer is left as it was given. */
    private void writeSwapped(ByteBuffer src, int itemSize) throws IOException {
        if (swapBuffer == null) {
            swapBuffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.nativeOrder());
        }
        // Checked before writing anything, so a refused chunk leaves the file consistent.
        if (src.remaining() % itemSize != 0) {
            throw new IllegalArgumentException("on a big-endian machine each write must hold "
                    + "whole " + itemSize + "-byte elements; this one has " + src.remaining()
                    + " bytes");
        }
        while (src.hasRemaining()) {
            int n = Math.min(swapBuffer.capacity(), src.remaining()) / itemSize * itemSize;
            ByteBuffer slice = src.slice().limit(n);
            swapBuffer.clear();
            swapBuffer.put(slice).flip();
            ByteSwap.swapInPlace(swapBuffer, 0, n, itemSize);
            while (swapBuffer.hasRemaining()) {
                channel.write(swapBuffer);
            }
            src.position(src.position() + n);
        }
    }

    /**
     * Finishes the file: checks that exactly the declared number of data bytes was written,
     * flushes it to disk and renames it onto the target (atomically where the file system can;
     * a replaced target keeps its permissions). If anything fails the temporary file is deleted,
     * the target is left untouched and the writer is closed.
     *
     * @throws IOException           if the byte count is wrong (the message gives both), or
     *                               flushing or renaming fails
     * @throws IllegalStateException if already committed or closed
     */
    public void commit() throws IOException {
        checkOpen();
        if (written != header.dataBytes()) {
            long expected = header.dataBytes();
            close();
            throw new IOException(target + ": expected " + expected + " data bytes for shape "
                    + header.shapeString() + " " + header.dtype() + " but " + written
                    + " were written; the file was not created");
        }
        closed = true;
        output.commit();
        committed = true;
    }

    private void checkOpen() {
        if (committed) {
            throw new IllegalStateException(target + " was already committed");
        }
        if (closed) {
            throw new IllegalStateException("writer for " + target + " is closed");
        }
    }

    /**
     * Discards the file unless it was committed: closes and deletes the temporary file. Calling
     * it again, or after commit, does nothing.
     *
     * @throws IOException if the temporary file cannot be deleted (its name is in the message)
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        output.close();
    }
}
