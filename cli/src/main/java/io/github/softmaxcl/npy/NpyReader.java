/*
 * Reads .npy files of any size through positional FileChannel reads: the header is validated on
 * open (dtype, shape, exact file length) before anything is sized from it, and the data is then
 * read in caller-sized chunks, so a 4 GiB file can be streamed with a small heap.
 */
package io.github.softmaxcl.npy;

import io.github.softmaxcl.reference.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An open .npy file. Thread-compatible: {@link #readElements} uses positional reads and does not
 * move a shared file position, but the reader does no locking of its own.
 */
public final class NpyReader implements AutoCloseable {
    /** Chunk size of the readAll methods; small, so they need little memory beyond the result. */
    private static final int CHUNK_BYTES = 1 << 20;
    /** The largest Java array length the common JVMs allow. */
    static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final Path file;
    private final FileChannel channel;
    private final NpyHeader header;

    private NpyReader(Path file, FileChannel channel, NpyHeader header) {
        this.file = file;
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens a file and validates its header and length.
     *
     * @param file the .npy file
     * @return the open reader; close it
     * @throws NpyFormatException if the file is not a valid .npy file, holds an unsupported
     *                            dtype, is Fortran-ordered, or its length does not match its header
     * @throws IOException        if the file cannot be opened or read
     */
    public static NpyReader open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            NpyHeader header = NpyHeaderCodec.read(file, channel, channel.size());
            return new NpyReader(file, channel, header);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Reads just the header of a file (validated exactly as {@link #open} does).
     *
     * @param file the .npy file
     * @return its header
     * @throws NpyFormatException as for {@link #open}
     * @throws IOException        if the file cannot be read
     */
    public static NpyHeader readHeader(Path file) throws IOException {
        try (NpyReader reader = open(file)) {
            return reader.header();
        }
    }

    /** @return the file this reader reads */
    public Path file() {
        return file;
    }

    /** @return the validated header */
    public NpyHeader header() {
        return header;
    }

    /**
     * Reads consecutive elements, starting at flat C-order index {@code firstElement}, into
     * {@code dst} from its position to its limit, converting them to the machine's native byte
     * order. On return the position equals the limit, as after a channel read.
     *
     * @param firstElement index of the first element to read
     * @param dst          buffer in native byte order whose remaining bytes are a whole number of
     *                     elements
     * @throws IllegalArgumentException  if {@code dst} is not in native order (for multi-byte
     *                                   types) or its remaining bytes are not whole elements
     * @throws IndexOutOfBoundsException if the requested elements are not all in the array
     * @throws IOException               if reading fails, or the file shrank since it was opened
     */
    public void readElements(long firstElement, ByteBuffer dst) throws IOException {
        int itemSize = header.dtype().itemSize();
        if (itemSize > 1 && dst.order() != ByteOrder.nativeOrder()) {
            // A buffer left in ByteBuffer's default big-endian order would silently read garbage.
            throw new IllegalArgumentException("dst must be in native byte order ("
                    + ByteOrder.nativeOrder() + "), it is " + dst.order());
        }
        int bytes = dst.remaining();
        if (bytes % itemSize != 0) {
            throw new IllegalArgumentException("dst has " + bytes + " bytes remaining, not a "
                    + "whole number of " + itemSize + "-byte " + header.dtype() + " elements");
        }
        long count = bytes / itemSize;
        if (firstElement < 0 || firstElement > header.elementCount() - count) {
            throw new IndexOutOfBoundsException("elements [" + firstElement + ", "
                    + (firstElement + count) + ") are outside " + file + " which has "
                    + header.elementCount());
        }
        int start = dst.position();
        long position = header.dataOffset() + firstElement * itemSize;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position + (dst.position() - start));
            if (n < 0) {
                throw new IOException(file + ": file ended at byte "
                        + (position + (dst.position() - start))
                        + " although its header promises more (was it truncated while being read?)");
            }
        }
        if (itemSize > 1 && header.byteOrder() != ByteOrder.nativeOrder()) {
            ByteSwap.swapInPlace(dst, start, dst.position(), itemSize);
        }
    }

    /**
     * Reads the whole array as floats; float16 is widened exactly.
     *
     * @return the elements in C order
     * @throws NpyFormatException if the dtype is not float16 or float32 (float64 would lose
     *                            precision: use {@link #readAllDoubles}), or the array has more
     *                            elements than a Java array can hold
     * @throws IOException        if reading fails
     */
    public float[] readAllFloats() throws IOException {
        NpyDType t = header.dtype();
        if (t != NpyDType.FLOAT16 && t != NpyDType.FLOAT32) {
            throw new NpyFormatException(file, "dtype " + t + " cannot be read as float32"
                    + (t == NpyDType.FLOAT64 ? " without losing precision; read it as doubles" : ""));
        }
        float[] out = new float[arrayLength()];
        forEachChunk(out.length, (chunk, done, n) -> {
            if (t == NpyDType.FLOAT32) {
                chunk.asFloatBuffer().get(out, done, n);
            } else {
                for (int i = 0; i < n; i++) {
                    out[done + i] = Float16.toFloat(chunk.getShort(i * 2));
                }
            }
        });
        return out;
    }

    /**
     * Reads the whole array as doubles; float16 and float32 are widened exactly.
     *
     * @return the elements in C order
     * @throws NpyFormatException if the dtype is not a float type, or the array has more
     *                            elements than a Java array can hold
     * @throws IOException        if reading fails
     */
    public double[] readAllDoubles() throws IOException {
        NpyDType t = header.dtype();
        if (!t.isFloat()) {
            throw new NpyFormatException(file, "dtype " + t + " cannot be read as float64");
        }
        double[] out = new double[arrayLength()];
        forEachChunk(out.length, (chunk, done, n) -> {
            if (t == NpyDType.FLOAT64) {
                chunk.asDoubleBuffer().get(out, done, n);
            } else {
                for (int i = 0; i < n; i++) {
                    out[done + i] = t == NpyDType.FLOAT32 ? chunk.getFloat(i * 4)
                            : Float16.toFloat(chunk.getShort(i * 2));
                }
            }
        });
        return out;
    }

    /**
     * Reads the whole of a bool array. Like NumPy, any non-zero byte is true.
     *
     * @return the elements in C order
     * @throws NpyFormatException if the dtype is not bool, or the array has more elements than a
     *                            Java array can hold
     * @throws IOException        if reading fails
     */
    public boolean[] readAllBooleans() throws IOException {
        if (header.dtype() != NpyDType.BOOL) {
            throw new NpyFormatException(file, "dtype " + header.dtype() + " cannot be read as bool");
        }
        boolean[] out = new boolean[arrayLength()];
        forEachChunk(out.length, (chunk, done, n) -> {
            for (int i = 0; i < n; i++) {
                out[done + i] = chunk.get(i) != 0;
            }
        });
        return out;
    }

    private int arrayLength() throws NpyFormatException {
        long n = header.elementCount();
        if (n > MAX_ARRAY_LENGTH) {
            throw new NpyFormatException(file, "array of " + n + " elements, shape "
                    + header.shapeString() + ", is too large for one Java array; "
                    + "read it in chunks with readElements");
        }
        return (int) n;
    }

    /** Receives chunk {@code chunk} holding elements [offset, offset + count) of the array. */
    private interface ChunkSink {
        void accept(ByteBuffer chunk, int offset, int count);
    }

    /** Reads the first {@code total} elements in native-order chunks, reusing one small buffer. */
    private void forEachChunk(int total, ChunkSink sink) throws IOException {
        int itemSize = header.dtype().itemSize();
        int perChunk = Math.min(CHUNK_BYTES / itemSize, total);
        ByteBuffer buf = ByteBuffer.allocate(perChunk * itemSize).order(ByteOrder.nativeOrder());
        for (int done = 0; done < total; ) {
            int n = Math.min(perChunk, total - done);
            buf.clear().limit(n * itemSize);
            readElements(done, buf);
            sink.accept(buf.flip(), done, n);
            done += n;
        }
    }

    /**
     * Closes the file.
     *
     * @throws IOException if closing fails
     */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
