/*
 * A benchmark or verification shape, "ROWSxCOLS", parsed once with a clear error for bad input.
 */
package io.github.softmaxcl.bench;

/**
 * A matrix shape.
 *
 * @param rows rows, &gt;= 1
 * @param cols row length, &gt;= 1
 */
public record Shape(int rows, int cols) {
    /**
     * @throws IllegalArgumentException if a size is not positive or the matrix has more than 2^31 - 9 elements
     */
    public Shape {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("shape needs rows >= 1 and cols >= 1, got " + rows + "x" + cols);
        }
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + rows + "x" + cols + " has more elements than a Java array holds");
        }
    }

    /**
     * @param text e.g. {@code 4096x4096}
     * @return the shape
     * @throws IllegalArgumentException if the text is not ROWSxCOLS with positive integers
     */
    public static Shape parse(String text) {
        String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape must look like ROWSxCOLS (e.g. 4096x4096), got '" + text + "'");
        }
        try {
            return new Shape(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape must look like ROWSxCOLS (e.g. 4096x4096), got '" + text + "'", e);
        }
    }

    /** @return rows * cols */
    public long elements() {
        return (long) rows * cols;
    }

    @Override
    public String toString() {
        return rows + "x" + cols;
    }
}
