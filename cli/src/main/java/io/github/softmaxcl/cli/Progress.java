/*
 * The progress bar of `run`: rows done, throughput and ETA on one stderr line redrawn with '\r'.
 * It only appears on a terminal, and only once a run has taken more than a second, so short runs
 * and piped or logged stderr stay clean.
 */
package io.github.softmaxcl.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A throttled one-line progress display. */
final class Progress {
    private static final long SHOW_AFTER_NANOS = 1_000_000_000L;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private final long totalRows;
    private final long bytesPerRow;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    /**
     * @param err where to draw
     * @param enabled false to draw nothing (not a terminal, or --quiet)
     * @param totalRows rows of the whole run
     * @param bytesPerRow input bytes per row, for the throughput
     */
    Progress(PrintWriter err, boolean enabled, long totalRows, long bytesPerRow) {
        this.err = err;
        this.enabled = enabled;
        this.totalRows = totalRows;
        this.bytesPerRow = bytesPerRow;
    }

    /** @param rowsDone rows written so far */
    void update(long rowsDone) {
        long now = System.nanoTime();
        if (!enabled || now - start < SHOW_AFTER_NANOS || (drawn && now - lastDraw < REDRAW_NANOS)) {
            return;
        }
        draw(rowsDone, now);
    }

    private void draw(long rowsDone, long now) {
        lastDraw = now;
        drawn = true;
        double secs = (now - start) / 1e9;
        double gbps = rowsDone * (double) bytesPerRow / secs / 1e9;
        double eta = rowsDone == 0 ? Double.NaN : secs * (totalRows - rowsDone) / rowsDone;
        int width = 30;
        int filled = (int) (width * rowsDone / Math.max(1, totalRows));
        err.print(String.format(Locale.ROOT, "\r[%s%s] %d/%d rows  %.2f GB/s  ETA %s ", "#".repeat(filled),
                " ".repeat(width - filled), rowsDone, totalRows, gbps, Double.isNaN(eta) ? "?" : formatSecs(eta)));
        err.flush();
    }

    /**
     * Ends the line if anything was drawn, showing the final count (updates in between are throttled).
     *
     * @param rowsDone rows written in the end
     */
    void finish(long rowsDone) {
        if (drawn) {
            draw(rowsDone, System.nanoTime());
            err.println();
            err.flush();
        }
    }

    private static String formatSecs(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }
}
