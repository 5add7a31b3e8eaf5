/*
 * RepeatedLineFilter on its own Logback context: a repeated INFO line of the configured hierarchy
 * is logged once, distinct lines (two devices) each once, warnings always, loggers outside the
 * hierarchy untouched, and a line dropped by the level is not counted as seen.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RepeatedLineFilterTest {
    private LoggerContext context;
    private ListAppender<ILoggingEvent> appender;
    private Logger engine;
    private Logger core;
    private Logger other;

    @BeforeEach
    void context() {
        context = new LoggerContext();
        RepeatedLineFilter filter = new RepeatedLineFilter();
        filter.setContext(context);
        filter.setLoggerName("x.lib");
        filter.start();
        context.addTurboFilter(filter);
        appender = new ListAppender<>();
        appender.setContext(context);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        root.setLevel(Level.INFO);
        engine = context.getLogger("x.lib.Engine");
        core = context.getLogger("x.lib.exec.Core");
        other = context.getLogger("x.library.Other");
    }

    private List<String> lines() {
        return appender.list.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage())
                .collect(Collectors.toList());
    }

    @Test
    void eachDistinctLineOfTheLoggerOnce() {
        for (int i = 0; i < 6; i++) {
            engine.info("device {}{}", "0:0 cpu", "");
        }
        engine.info("device {}{}", "1:0 gpu", "");
        engine.info("device {}{}", "0:0 cpu", " with 3 tuned entries");
        engine.info("device {}{}", "1:0 gpu", "");
        assertEquals(List.of("INFO x.lib.Engine device 0:0 cpu", "INFO x.lib.Engine device 1:0 gpu",
                "INFO x.lib.Engine device 0:0 cpu with 3 tuned entries"), lines());
    }

    @Test
    void theWholeHierarchyIsCoveredEachLoggerOnItsOwn() {
        for (int i = 0; i < 3; i++) {
            core.info("device {}", "0:0 cpu");
            engine.info("device {}", "0:0 cpu");
        }
        assertEquals(List.of("INFO x.lib.exec.Core device 0:0 cpu", "INFO x.lib.Engine device 0:0 cpu"), lines());
    }

    @Test
    void warningsAndOtherLoggersAlwaysPass() {
        for (int i = 0; i < 2; i++) {
            engine.warn("slow device");
            other.info("progress");
        }
        assertEquals(List.of("WARN x.lib.Engine slow device", "INFO x.library.Other progress",
                "WARN x.lib.Engine slow device", "INFO x.library.Other progress"), lines());
    }

    @Test
    void aLineDroppedByTheLevelIsNotCountedAsSeen() {
        engine.setLevel(Level.WARN);
        engine.info("device 0:0");
        engine.setLevel(null);
        engine.info("device 0:0");
        engine.info("device 0:0");
        assertEquals(List.of("INFO x.lib.Engine device 0:0"), lines());
    }

    @Test
    void aBlankLoggerNameIsRefused() {
        RepeatedLineFilter filter = new RepeatedLineFilter();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> filter.setLoggerName(" "));
        assertEquals("loggerName must name a logger, got ' '", e.getMessage());
    }
}
