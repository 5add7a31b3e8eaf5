/*
 * The --mask file of `run`: a NumPy bool array of the input's shape, streamed alongside the input,
 * or (for the last axis) one row of the input's row length, read once and broadcast over all rows.
 * Any other shape or dtype is a usage error naming both shapes.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.npy.NpyDType;
import io.github.softmaxcl.npy.NpyHeader;
import io.github.softmaxcl.npy.NpyReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** A mask for streamed softmax, or none. */
final class MaskSource implements AutoCloseable {
    private final NpyReader reader;
    private final byte[] row;

    private MaskSource(NpyReader reader, byte[] row) {
        this.reader = reader;
        this.row = row;
    }

    /**
     * @param file the mask file, or null for no mask
     * @param shape the input's shape
     * @param axis the softmax axis (non-negative)
     * @param spec for usage errors
     * @return the mask source
     * @throws IOException if the file cannot be read
     * @throws ParameterException if the mask's dtype or shape does not fit the input
     */
    static MaskSource open(Path file, long[] shape, int axis, CommandSpec spec) throws IOException {
        if (file == null) {
            return new MaskSource(null, null);
        }
        NpyReader r = NpyReader.open(file);
        try {
            NpyHeader h = r.header();
            if (h.dtype() != NpyDType.BOOL) {
                throw new ParameterException(spec.commandLine(), "--mask " + file + " must be a NumPy bool array, got "
                        + h.dtype());
            }
            long[] ms = h.shape();
            if (Arrays.equals(ms, shape)) {
                return new MaskSource(r, null);
            }
            if (axis == shape.length - 1 && ms.length == 1 && ms[0] == shape[shape.length - 1]) {
                boolean[] keep = r.readAllBooleans();
                r.close();
                byte[] row = new byte[keep.length];
                for (int i = 0; i < keep.length; i++) {
                    row[i] = keep[i] ? (byte) 1 : 0;
                }
                return new MaskSource(null, row);
            }
            throw new ParameterException(spec.commandLine(), "--mask " + file + " has shape " + h.shapeString()
                    + "; it must equal the input's shape " + Arrays.toString(shape)
                    + (axis == shape.length - 1 ? " or be one row (" + shape[shape.length - 1] + ",)" : ""));
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** @return whether there is no mask */
    boolean none() {
        return reader == null && row == null;
    }

    /**
     * @param firstElement the chunk's first element in the array
     * @param count elements in the chunk
     * @return the mask bytes for the chunk (the broadcast row, for a one-row mask), or null
     * @throws IOException if reading fails
     */
    byte[] chunk(long firstElement, int count) throws IOException {
        if (row != null) {
            return row;
        }
        if (reader == null) {
            return null;
        }
        byte[] b = new byte[count];
        reader.readElements(firstElement, ByteBuffer.wrap(b));
        return b;
    }

    @Override
    public void close() throws IOException {
        if (reader != null) {
            reader.close();
        }
    }
}
