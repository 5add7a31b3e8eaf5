/*
 * A Logback turbo filter for the command line: drops an INFO (or DEBUG, TRACE) line from a logger
 * of one hierarchy when the same text was already logged in this process. Commands that open
 * several engines on one device (verify opens one per kernel variant) would otherwise repeat the
 * engine's "softmax-cl device ..." line once per engine; with it the line appears once per device.
 * It names the project's hierarchy, not the class that logs the line, so the line stays single
 * when that class moves. Warnings and errors always pass. Configured in logback.xml:
 *
 *   <turboFilter class="io.github.softmaxcl.cli.RepeatedLineFilter">
 *     <loggerName>io.github.softmaxcl</loggerName>
 *   </turboFilter>
 */
package io.github.softmaxcl.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/** Lets each distinct INFO-or-lower line of a logger hierarchy through once per process. */
public final class RepeatedLineFilter extends TurboFilter {
    private volatile String loggerName;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    /**
     * @param loggerName the logger whose repeated lines are dropped, with its descendants (e.g.
     *                   {@code a.b} covers {@code a.b.C} but not {@code a.bc}); other loggers pass
     * @throws IllegalArgumentException if {@code loggerName} is null or blank
     */
    public void setLoggerName(String loggerName) {
        if (loggerName == null || loggerName.isBlank()) {
            throw new IllegalArgumentException("loggerName must name a logger, got '" + loggerName + "'");
        }
        this.loggerName = loggerName.trim();
    }

    @Override
    public void start() {
        if (loggerName == null) {
            addError("RepeatedLineFilter needs <loggerName>; it stays inactive");
            return;
        }
        super.start();
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
            Throwable t) {
        if (!isStarted() || format == null || level == null || level.isGreaterOrEqual(Level.WARN)
                || !inHierarchy(logger.getName())
                // A line the level drops is not "seen": were it recorded, it could never appear once
                // the level is raised again (run -q lowers it for one command). isEnabledFor() would
                // call this filter again, so compare with the effective level directly.
                || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        String line = logger.getName() + " " + MessageFormatter.arrayFormat(format, params).getMessage();
        return seen.add(line) ? FilterReply.NEUTRAL : FilterReply.DENY;
    }

    private boolean inHierarchy(String name) {
        String root = loggerName;
        return name.startsWith(root) && (name.length() == root.length() || name.charAt(root.length()) == '.');
    }
}
